// Without a heartbeat receiver nobody notices when the alerting pipeline itself is dead.
import { specOfStack } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

export const heartbeatReceiverSet: VigilStackPolicy = {
  name: "heartbeat-receiver-set",
  description: "A heartbeat receiver gets the always-firing VigilWatchdog, so a dead hub or Alertmanager is noticed.",
  remediationSteps:
    "Add a webhook receiver pointing at a dead-man's-switch service and name it in alerts.heartbeat (e.g. heartbeat: { webhook: { url: { secret: heartbeatUrl } } }).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    if (spec.alerts.heartbeat === undefined) {
      reportViolation("alerts.heartbeat is not set: nothing notices when the hub or Alertmanager stops; name a webhook receiver of a dead-man's-switch service", urn);
    }
  },
};
