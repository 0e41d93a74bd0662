// Weekly/daily droplet backups are the cheapest restore path for a lost app host.
import { Droplet } from "@pulumi/digitalocean";
import { validateResourceOfType } from "@pulumi/policy";
import type { VigilResourcePolicy } from "./vigil-policy.ts";

export const dropletBackupsEnabled: VigilResourcePolicy = {
  name: "droplet-backups-enabled",
  description: "Droplets have DigitalOcean backups on (advisory; disabled outside prod by policies/config/dev.json).",
  remediationSteps: "Set `backups: true` on the host in the spec (hosts[].backups).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateResource: validateResourceOfType(Droplet, (droplet, args, reportViolation) => {
    if (droplet.backups !== true) {
      reportViolation(`droplet ${droplet.name ?? args.name} has no backups: set backups: true on that host in the spec`);
    }
  }),
};
