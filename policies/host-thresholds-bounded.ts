// A critical threshold at 99% fires when the disk is already full; a `for` of 1h pages an hour
// late and one of 10s pages on every spike. Bounds differ per environment (policies/config).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { durationSeconds } from "../schema/durations.ts";
import { specOfStack } from "./spec-resource.ts";
import { withDefaults, type VigilStackPolicy } from "./vigil-policy.ts";

const DURATION = "^[1-9][0-9]*(s|m|h|d|w)$";
const percent = (value: number, description: string) => ({ type: "number" as const, minimum: 0, maximum: 100, default: value, description });

const configSchema: PolicyConfigSchema = {
  properties: {
    cpuCriticalMax: percent(95, "highest allowed thresholds.cpu.critical"),
    memoryCriticalMax: percent(98, "highest allowed thresholds.memory.critical"),
    diskCriticalMax: percent(95, "highest allowed thresholds.disk.critical"),
    loadCriticalMax: { type: "number", exclusiveMinimum: 0, default: 10, description: "highest allowed thresholds.load.critical (per CPU)" },
    forMin: { type: "string", pattern: DURATION, default: "1m", description: "shortest allowed `for` of a host alert" },
    forMax: { type: "string", pattern: DURATION, default: "30m", description: "longest allowed `for` of a host alert" },
  },
};

interface Config {
  cpuCriticalMax: number;
  memoryCriticalMax: number;
  diskCriticalMax: number;
  loadCriticalMax: number;
  forMin: string;
  forMax: string;
}

const METRICS = ["cpu", "memory", "disk", "load"] as const;

export const hostThresholdsBounded: VigilStackPolicy = {
  name: "host-thresholds-bounded",
  description: "Host alert thresholds stay within the environment's bounds (critical cpu/disk at most 95, memory 98, `for` between 1m and 30m by default).",
  remediationSteps: "Lower thresholds.<metric>.critical to the bound, and keep thresholds.<metric>.for between the bounds; bounds are set per environment in policies/config/<env>.json.",
  enforcementLevel: "advisory",
  configSchema,
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const config = withDefaults<Config>(configSchema, args.getConfig());
    const maxima: Record<(typeof METRICS)[number], number> = {
      cpu: config.cpuCriticalMax,
      memory: config.memoryCriticalMax,
      disk: config.diskCriticalMax,
      load: config.loadCriticalMax,
    };
    const [forMin, forMax] = [durationSeconds(config.forMin), durationSeconds(config.forMax)];
    for (const metric of METRICS) {
      const threshold = spec.thresholds[metric];
      if (threshold.critical > maxima[metric]) {
        reportViolation(
          `thresholds.${metric}.critical is ${threshold.critical}, above the allowed ${maxima[metric]}: lower thresholds.${metric}.critical to at most ${maxima[metric]}`,
          urn,
        );
      }
      const seconds = durationSeconds(threshold.for);
      if (seconds < forMin || seconds > forMax) {
        reportViolation(
          `thresholds.${metric}.for is ${threshold.for}: set thresholds.${metric}.for between ${config.forMin} and ${config.forMax}`,
          urn,
        );
      }
    }
  },
};
