// An objective of 99.999% leaves minutes of budget a month (every deploy burns it); one under
// 90% alerts on nothing useful. Windows: schema/slo-window.ts (the spec's own limits are the
// defaults here; a policy config may narrow them).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { SLO_WINDOW_MAX, SLO_WINDOW_MIN, sloWindowWithin } from "../schema/slo-window.ts";
import { specOfStack } from "./spec-resource.ts";
import { withDefaults, type VigilStackPolicy } from "./vigil-policy.ts";

const DURATION = "^[1-9][0-9]*(s|m|h|d|w)$";

const configSchema: PolicyConfigSchema = {
  properties: {
    minObjective: { type: "number", exclusiveMinimum: 0, maximum: 100, default: 90, description: "lowest allowed objective, percent" },
    maxObjective: { type: "number", exclusiveMinimum: 0, maximum: 100, default: 99.99, description: "highest allowed objective, percent" },
    minWindow: { type: "string", pattern: DURATION, default: SLO_WINDOW_MIN, description: "shortest allowed SLO window" },
    maxWindow: { type: "string", pattern: DURATION, default: SLO_WINDOW_MAX, description: "longest allowed SLO window" },
  },
};

interface Config {
  minObjective: number;
  maxObjective: number;
  minWindow: string;
  maxWindow: string;
}

export const sloObjectiveAndWindow: VigilStackPolicy = {
  name: "slo-objective-and-window",
  description: `SLO objectives are in a sane range (default 90 to 99.99) and windows are ones the burn-rate alert rules support (default ${SLO_WINDOW_MIN} to ${SLO_WINDOW_MAX}).`,
  remediationSteps: "Set slos[].objective within the allowed range (99.9 is typical) and slos[].window within the allowed windows (30d is typical).",
  enforcementLevel: "advisory",
  configSchema,
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const config = withDefaults<Config>(configSchema, args.getConfig());
    spec.slos.forEach((slo, i) => {
      if (slo.objective < config.minObjective || slo.objective > config.maxObjective) {
        const why = slo.objective > config.maxObjective ? "leaves almost no error budget" : "is too loose to alert on";
        reportViolation(
          `slos[${i}] "${slo.name}" objective ${slo.objective}% ${why}: set slos[${i}].objective between ${config.minObjective} and ${config.maxObjective}`,
          urn,
        );
      }
      if (!sloWindowWithin(slo.window, config.minWindow, config.maxWindow)) {
        reportViolation(
          `slos[${i}] "${slo.name}" window ${slo.window} is outside what the burn-rate alerts support: set slos[${i}].window between ${config.minWindow} and ${config.maxWindow}`,
          urn,
        );
      }
    });
  },
};
