// SSH reachable from the whole internet invites brute force and every future sshd CVE.
import { Firewall } from "@pulumi/digitalocean";
import { validateResourceOfType, type PolicyConfigSchema } from "@pulumi/policy";
import { SSH_PORT } from "../provisioning/service-ports.ts";
import { addressRange } from "../schema/ip-ranges.ts";
import { openedPorts } from "./firewall-rules.ts";
import { withDefaults, type VigilResourcePolicy } from "./vigil-policy.ts";

const configSchema: PolicyConfigSchema = {
  properties: {
    port: { type: "integer", minimum: 1, maximum: 65535, default: SSH_PORT, description: "the SSH port" },
    ipv4MinPrefix: { type: "integer", minimum: 0, maximum: 32, default: 8, description: "an IPv4 source wider than this prefix counts as the world" },
    ipv6MinPrefix: { type: "integer", minimum: 0, maximum: 128, default: 32, description: "an IPv6 source wider than this prefix counts as the world" },
  },
};

interface Config {
  port: number;
  ipv4MinPrefix: number;
  ipv6MinPrefix: number;
}

export const sshNotOpenToWorld: VigilResourcePolicy = {
  name: "ssh-not-open-to-world",
  description: "SSH is not open to the whole internet.",
  remediationSteps:
    "List your operators' and CI's addresses in access.sshAllowFrom (for example 203.0.113.10/32) instead of 0.0.0.0/0 or ::/0; " +
    "fail2ban/CrowdSec are a second line, not a replacement.",
  enforcementLevel: "advisory",
  configSchema,
  validateResource: validateResourceOfType(Firewall, (firewall, args, reportViolation) => {
    const config = withDefaults<Config>(configSchema, args.getConfig());
    (firewall.inboundRules ?? []).forEach((rule, i) => {
      if (openedPorts(rule, [config.port]).length === 0) return;
      for (const source of rule.sourceAddresses ?? []) {
        const range = addressRange(source);
        const minPrefix = range?.version === 6 ? config.ipv6MinPrefix : config.ipv4MinPrefix;
        if (range === undefined || range.prefix < minPrefix) {
          reportViolation(
            `firewall ${firewall.name ?? args.name} inboundRules[${i}] opens ${rule.protocol} port ${config.port} (SSH) to ${source}, ` +
              `${range === undefined ? "an unreadable source" : "most of the internet"}: set access.sshAllowFrom to the CIDRs of the people and CI that provision the hosts`,
          );
        }
      }
    });
  }),
};
