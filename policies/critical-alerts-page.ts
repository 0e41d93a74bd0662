// A critical alert that only lands in a chat channel at night is an outage nobody hears about.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { criticalPath } from "../schema/alert-routing.ts";
import type { Receiver, Spec } from "../schema/spec-schema.ts";
import { listing, specOfStack } from "./spec-resource.ts";
import { withDefaults, type VigilStackPolicy } from "./vigil-policy.ts";

const configSchema: PolicyConfigSchema = {
  properties: {
    pagingKinds: {
      type: "array",
      items: { type: "string", enum: ["pagerduty", "slack", "email", "webhook"] },
      default: ["pagerduty"],
      description: "receiver kinds that page a human",
    },
  },
};

interface Config {
  pagingKinds: string[];
}

const kindOf = (receiver: Receiver): string => Object.keys(receiver)[0] ?? "";

function problems(spec: Spec, config: Config): string[] {
  const receivers = spec.alerts.receivers;
  const pages = (name: string) => receivers[name] !== undefined && config.pagingKinds.includes(kindOf(receivers[name]!));
  const pagers = Object.keys(receivers).filter(pages);
  const suggestion = pagers.length
    ? `add ${listing(pagers.map((p) => `"${p}"`))} to its receivers`
    : `define a ${listing(config.pagingKinds)} receiver (e.g. oncall: { pagerduty: { routingKey: { secret: pagerdutyRoutingKey } } }) and add it`;
  const out: string[] = [];
  const path = criticalPath(spec.alerts.routes);
  if (path.length === 0) {
    out.push(`no route in alerts.routes takes critical alerts: add { severity: critical, to: [...] } with a paging receiver (${suggestion.replace(/ and add it$/, "")})`);
  } else if (!path.some(({ route }) => route.to.some(pages))) {
    const where = path.map(({ index }) => `alerts.routes[${index}]`).join(", ");
    const to = [...new Set(path.flatMap(({ route }) => route.to))];
    out.push(`critical alerts go to ${listing(to)} (${where}), none of which pages: ${suggestion} in ${where}`);
  }
  // A route that names severity critical and matches more labels takes those critical alerts
  // away from the general path when it does not continue.
  spec.alerts.routes.forEach((route, index) => {
    const narrowed = route.match !== undefined && Object.keys(route.match).length > 0;
    if (route.severity === "critical" && narrowed && !route.continue && !route.to.some(pages)) {
      const labels = Object.entries(route.match ?? {}).map(([k, v]) => `${k}=${v}`).join(", ");
      out.push(`alerts.routes[${index}] takes critical alerts with ${labels} to ${listing(route.to)}, none of which pages: ${suggestion}, or set continue: true`);
    }
  });
  return out;
}

export const criticalAlertsPage: VigilStackPolicy = {
  name: "critical-alerts-page",
  description: "Critical alerts route to a paging receiver (PagerDuty).",
  remediationSteps:
    "Define a pagerduty receiver in alerts.receivers and list it in the `to` of the route that takes severity critical (first match wins, like Alertmanager).",
  enforcementLevel: "advisory",
  configSchema,
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    for (const message of problems(spec, withDefaults<Config>(configSchema, args.getConfig()))) reportViolation(message, urn);
  },
};
