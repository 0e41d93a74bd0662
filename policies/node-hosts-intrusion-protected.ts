// Every node host faces SSH brute force; one of fail2ban or CrowdSec must ban the sources.
import { listing, nodeHostNames, specOfStack } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

export const nodeHostsIntrusionProtected: VigilStackPolicy = {
  name: "node-hosts-intrusion-protected",
  description: "Every node host is protected by fail2ban or CrowdSec.",
  remediationSteps: "Set stack.fail2ban.enabled or stack.crowdsec.enabled to true in the spec (both may run together).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const nodes = nodeHostNames(spec);
    if (nodes.length === 0) return;
    if (!spec.stack.fail2ban.enabled && !spec.stack.crowdsec.enabled) {
      reportViolation(
        `node host${nodes.length > 1 ? "s" : ""} ${listing(nodes)} ${nodes.length > 1 ? "run" : "runs"} neither fail2ban nor CrowdSec: ` +
          "set stack.fail2ban.enabled or stack.crowdsec.enabled to true",
        urn,
      );
    }
  },
};
