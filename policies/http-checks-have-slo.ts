// An http(s) check without an SLO pages on every blip and says nothing about the error budget.
import { specOfStack } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

export const httpChecksHaveSlo: VigilStackPolicy = {
  name: "http-checks-have-slo",
  description: "Every http/https uptime check is covered by an SLO.",
  remediationSteps: "Add an entry to slos with `uptime: <check name>`, an objective (e.g. 99.9) and a window (e.g. 30d).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const covered = new Set(spec.slos.map((slo) => slo.uptime).filter((name) => name !== undefined));
    spec.uptime.forEach((check, i) => {
      if (check.url === undefined || covered.has(check.name)) return;
      reportViolation(
        `uptime[${i}] "${check.name}" (${check.url}) has no SLO: add to slos { name: ${check.name}-availability, uptime: ${check.name}, objective: 99.9, window: 30d }`,
        urn,
      );
    });
  },
};
