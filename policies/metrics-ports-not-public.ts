// Exporters and dashboards leak host details and accept unauthenticated requests: they must be
// reachable only inside the VPC, where the hub scrapes them.
import { Firewall, Vpc } from "@pulumi/digitalocean";
import type { PolicyConfigSchema, StackValidationArgs } from "@pulumi/policy";
import { describePort, METRICS_PORTS } from "../provisioning/service-ports.ts";
import { addressRange, within, type AddressRange } from "../schema/ip-ranges.ts";
import { openedPorts, type InboundRule } from "./firewall-rules.ts";
import { SPEC_RESOURCE_TYPE } from "./spec-resource.ts";
import { withDefaults, type VigilStackPolicy } from "./vigil-policy.ts";


const configSchema: PolicyConfigSchema = {
  properties: {
    ports: {
      type: "array",
      items: { type: "integer", minimum: 1, maximum: 65535 },
      default: [...METRICS_PORTS],
      description: "ports that must stay inside the VPC",
    },
  },
};

interface Config {
  ports: number[];
}

/** The VPC ranges of the stack: every Vpc resource's ipRange, and the spec's vpc.ipRange. */
function vpcRanges(args: StackValidationArgs): { text: string; range: AddressRange }[] {
  const texts = new Set<string>();
  for (const r of args.resources) {
    if (r.isType(Vpc) && typeof r.props.ipRange === "string") texts.add(r.props.ipRange);
    if (r.type === SPEC_RESOURCE_TYPE) {
      const spec = (r.props.spec ?? r.props) as { vpc?: { ipRange?: unknown } };
      if (typeof spec.vpc?.ipRange === "string") texts.add(spec.vpc.ipRange);
    }
  }
  return [...texts].flatMap((text) => {
    const range = addressRange(text);
    return range ? [{ text, range }] : [];
  });
}

export const metricsPortsNotPublic: VigilStackPolicy = {
  name: "metrics-ports-not-public",
  description: "No metrics or dashboard port (node_exporter, Prometheus, Alertmanager, blackbox, Netdata) is reachable from outside the VPC.",
  remediationSteps:
    "Remove the firewall rule, or narrow its sources to the VPC range (vpc.ipRange) or to droplets/tags of the stack; " +
    "the hub scrapes nodes over the VPC, and operators reach dashboards through an SSH tunnel.",
  enforcementLevel: "advisory",
  configSchema,
  validateStack: (args, reportViolation) => {
    const config = withDefaults<Config>(configSchema, args.getConfig());
    const vpcs = vpcRanges(args);
    const vpcText = vpcs.length ? vpcs.map((v) => v.text).join(", ") : "the VPC (none in the stack)";
    for (const resource of args.resources) {
      if (!resource.isType(Firewall)) continue;
      const rules = (resource.props.inboundRules ?? []) as InboundRule[];
      rules.forEach((rule, i) => {
        const ports = openedPorts(rule, config.ports);
        if (ports.length === 0) return;
        const outside = (rule.sourceAddresses ?? []).filter((source) => {
          const range = addressRange(source);
          return range === undefined || !vpcs.some((v) => within(range, v.range));
        });
        if (outside.length === 0) return;
        reportViolation(
          `firewall ${resource.props.name ?? resource.name} inboundRules[${i}] opens ${rule.protocol} ${ports.map(describePort).join(", ")} ` +
            `to ${outside.join(", ")}, outside ${vpcText}: remove the rule or limit its sources to the VPC`,
          resource.urn,
        );
      });
    }
  },
};
