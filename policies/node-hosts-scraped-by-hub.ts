// A node host that no hub scrapes has alert rules that can never fire.
import { hubHostNames, listing, nodeHostNames, specOfStack } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

export const nodeHostsScrapedByHub: VigilStackPolicy = {
  name: "node-hosts-scraped-by-hub",
  description: "Every node host is scraped by a hub: a hub host exists and node_exporter runs on the nodes.",
  remediationSteps: "Give one host the hub role (roles: [hub], or [node, hub] on a single droplet) and keep stack.nodeExporter.enabled: true.",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const nodes = nodeHostNames(spec);
    if (nodes.length === 0) return;
    const hosts = `node host${nodes.length > 1 ? "s" : ""} ${listing(nodes)}`;
    if (hubHostNames(spec).length === 0) {
      reportViolation(`no host has the hub role, so nothing scrapes ${hosts}: add "hub" to the roles of a host (e.g. a monitor droplet with roles: [hub])`, urn);
    }
    if (!spec.stack.nodeExporter.enabled) {
      reportViolation(`stack.nodeExporter.enabled is false, so the hub has nothing to scrape on ${hosts}: set stack.nodeExporter.enabled to true`, urn);
    }
  },
};
