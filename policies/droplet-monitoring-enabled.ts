// DigitalOcean monitor alerts (the hub-independent alert path) need the droplet metrics agent.
import { Droplet } from "@pulumi/digitalocean";
import { validateResourceOfType } from "@pulumi/policy";
import type { VigilResourcePolicy } from "./vigil-policy.ts";

export const dropletMonitoringEnabled: VigilResourcePolicy = {
  name: "droplet-monitoring-enabled",
  description: "Droplets run the DigitalOcean monitoring agent, which the CPU/memory/disk monitor alerts need.",
  remediationSteps: "Create the droplet with `monitoring: true` (vigil's program does; a droplet defined elsewhere must set it too).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(Droplet, (droplet, args, reportViolation) => {
    if (droplet.monitoring !== true) {
      reportViolation(
        `droplet ${droplet.name ?? args.name} has monitoring ${droplet.monitoring === false ? "off" : "unset"}: set monitoring: true, ` +
          "or DigitalOcean monitor alerts for it never fire",
      );
    }
  }),
};
