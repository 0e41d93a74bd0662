// Which receivers an alert reaches, read from the spec's routes the way Alertmanager reads them
// (first match wins unless `continue`). Pure; shared by the Pulumi program (who DigitalOcean's
// own alerts notify) and the policies (whether critical alerts page, whether they reach anyone).
import { NO_SLACK, type Route, type Spec } from "./spec-schema.ts";

/**
 * The routes a critical alert with no other distinguishing label passes through, in order: those
 * taking severity critical (or any severity) without a `match`, up to the first that does not
 * continue.
 */
export function criticalPath(routes: readonly Route[]): { index: number; route: Route }[] {
  const path: { index: number; route: Route }[] = [];
  for (const [index, route] of routes.entries()) {
    const takesCritical = route.severity === undefined || route.severity === "critical";
    const catchAll = route.match === undefined || Object.keys(route.match).length === 0;
    if (!takesCritical || !catchAll) continue;
    path.push({ index, route });
    if (!route.continue) break;
  }
  return path;
}

/** Receiver names a critical alert reaches, deduplicated, in route order. */
export const criticalReceivers = (spec: Spec): string[] => [...new Set(criticalPath(spec.alerts.routes).flatMap(({ route }) => route.to))];

/** Who DigitalOcean's uptime and monitor alerts notify, before secrets are resolved. */
export interface CloudAlertTargets {
  /** E-mail addresses, deduplicated, in spec order. */
  emails: string[];
  /** Names of Slack receivers whose webhook and channel the alerts use. */
  slackReceivers: string[];
  /** Where the list came from: the spec's `cloudAlerts`, or the receivers critical alerts reach. */
  source: "cloudAlerts" | "critical routes";
}

/**
 * `cloudAlerts` when the spec has it. Otherwise the e-mail addresses and Slack receivers among the
 * receivers critical alerts are routed to: DigitalOcean alerts are host-down and threshold
 * breaches, pages by nature, and must never land in an info-only mailbox. PagerDuty and webhook
 * receivers have no DigitalOcean counterpart; they are reached through Alertmanager only.
 */
export function cloudAlertTargets(spec: Spec): CloudAlertTargets {
  if (spec.cloudAlerts) {
    const { emails, slack } = spec.cloudAlerts;
    return { emails: [...new Set(emails)], slackReceivers: slack === NO_SLACK ? [] : [slack], source: "cloudAlerts" };
  }
  const emails: string[] = [];
  const slackReceivers: string[] = [];
  for (const name of criticalReceivers(spec)) {
    const receiver = spec.alerts.receivers[name];
    for (const to of receiver?.email?.to ?? []) if (!emails.includes(to)) emails.push(to);
    if (receiver?.slack) slackReceivers.push(name);
  }
  return { emails, slackReceivers, source: "critical routes" };
}
