// DigitalOcean's own uptime and monitor alerts are the path that still works when the hub (or
// its Alertmanager) is down. With no e-mail address and no Slack channel to notify, vigil creates
// the checks without alerts (vigil plan shows them missing): a dead hub then pages nobody.
import { cloudAlertTargets } from "../schema/alert-routing.ts";
import { specOfStack } from "./spec-resource.ts";
import type { VigilStackPolicy } from "./vigil-policy.ts";

const UPTIME_CHECK = "digitalocean:index/uptimeCheck:UptimeCheck";
const DROPLET = "digitalocean:index/droplet:Droplet";

export const cloudAlertsReachSomeone: VigilStackPolicy = {
  name: "cloud-alerts-reach-someone",
  description: "DigitalOcean's uptime and monitor alerts (the alert path independent of the hub) reach at least one e-mail address or Slack channel.",
  remediationSteps:
    "Add cloudAlerts: { emails: [an address verified on the DigitalOcean account], slack: a Slack receiver } to the spec, " +
    "or route critical alerts to an e-mail or Slack receiver (DigitalOcean cannot notify PagerDuty or webhooks).",
  enforcementLevel: "advisory",
  configSchema: { properties: {} },
  validateStack: (args, reportViolation) => {
    const { spec, urn } = specOfStack(args);
    const checks = args.resources.filter((r) => r.type === UPTIME_CHECK).length;
    const droplets = args.resources.filter((r) => r.type === DROPLET).length;
    if (checks === 0 && droplets === 0) return;
    const targets = cloudAlertTargets(spec);
    if (targets.emails.length > 0 || targets.slackReceivers.length > 0) return;
    const watched = [checks > 0 ? `${checks} DigitalOcean uptime check${checks === 1 ? "" : "s"}` : "", droplets > 0 ? `${droplets} droplet${droplets === 1 ? "" : "s"}` : ""]
      .filter(Boolean)
      .join(" and ");
    const why =
      targets.source === "cloudAlerts"
        ? "cloudAlerts lists no e-mail address and slack is none"
        : "no cloudAlerts, and the receivers critical alerts are routed to include no e-mail or Slack receiver";
    reportViolation(`DigitalOcean alerts for ${watched} notify nobody (${why}): when the hub is down nothing pages; set cloudAlerts.emails (verified addresses) or cloudAlerts.slack`, urn);
  },
};
