// Who DigitalOcean's own alerts (uptime and monitor alerts) notify: `cloudAlerts` when the spec
// has it, else the e-mail and Slack receivers critical alerts are routed to, never an info-only
// receiver (DigitalOcean e-mails only verified addresses; a mailing list breaks `pulumi up`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { previewCloudResources, type CloudResource } from "../../components/cloud-preview.ts";
import { cloudAlertTargets } from "../../schema/alert-routing.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, ofType, revealed } from "./helpers.ts";

type Notification = { emails: string[]; slacks: { channel: string; url: string }[] };
const SECRETS = { slackWebhook: "https://hooks.slack.example/T0/B0/ops", pagerdutyRoutingKey: "pd", smtpPassword: "pw", heartbeatUrl: "https://hb.example/" };

/** The notification targets of every DigitalOcean alert, which must all be the same. */
function notificationsOf(rs: CloudResource[]): Notification | undefined {
  const seen = new Set<string>();
  for (const a of ofType(rs, T.uptimeAlert)) {
    const value = typeof a.inputs.notifications === "object" && a.inputs.notifications !== null && "[secret]" in a.inputs.notifications ? revealed(a.inputs.notifications) : a.inputs.notifications;
    seen.add(JSON.stringify((value as Notification[])[0]));
  }
  for (const m of ofType(rs, T.monitorAlert)) {
    const value = typeof m.inputs.alerts === "object" && m.inputs.alerts !== null && "[secret]" in m.inputs.alerts ? revealed(m.inputs.alerts) : m.inputs.alerts;
    seen.add(JSON.stringify(value));
  }
  assert.ok(seen.size <= 1, `every DigitalOcean alert notifies the same: ${[...seen].join(" | ")}`);
  return seen.size === 0 ? undefined : (JSON.parse([...seen][0]!) as Notification);
}

const WITHOUT_CLOUD_ALERTS = /\ncloudAlerts:\n(  .*\n)+/;

test("stacks/prod.yaml: cloudAlerts' verified address and the ops Slack channel; not the mail receiver's list", async () => {
  const rs = await previewCloudResources(loadSpec(SPEC_FILES.prod), { secrets: SECRETS, revealSecrets: true });
  const n = notificationsOf(rs)!;
  assert.deepEqual(n.emails, ["oncall@dcg.example.com"]);
  assert.deepEqual(n.slacks, [{ channel: "#ops", url: SECRETS.slackWebhook }]);
  assert.ok(ofType(rs, T.uptimeAlert).length > 0 && ofType(rs, T.monitorAlert).length > 0);
});

test("without cloudAlerts: the receivers critical alerts are routed to, never the info-only mail receiver", async () => {
  const spec = loadEdited(SPEC_FILES.prod, WITHOUT_CLOUD_ALERTS, "\n");
  assert.deepEqual(cloudAlertTargets(spec), { emails: [], slackReceivers: ["ops"], source: "critical routes" });
  const n = notificationsOf(await previewCloudResources(spec, { secrets: SECRETS, revealSecrets: true }))!;
  assert.deepEqual(n.emails, [], "mail (ops@dcg.example.com) only gets info alerts");
  assert.deepEqual(n.slacks.map((s) => s.channel), ["#ops"]);
});

test("without cloudAlerts, an e-mail receiver on the critical route is notified", async () => {
  const spec = loadEdited(
    SPEC_FILES.prod,
    WITHOUT_CLOUD_ALERTS,
    "\n",
  );
  spec.alerts.routes[0] = { severity: "critical", to: ["oncall", "mail"], continue: false };
  assert.deepEqual(cloudAlertTargets(spec).emails, ["ops@dcg.example.com"]);
  assert.deepEqual(cloudAlertTargets(spec).slackReceivers, []);
  // A later route reached through `continue` counts; a route narrowed by `match` does not.
  spec.alerts.routes = [
    { severity: "critical", to: ["oncall"], continue: true },
    { severity: "critical", match: { team: "db" }, to: ["mail"], continue: false },
    { to: ["ops"], continue: false },
    { severity: "critical", to: ["mail"], continue: false },
  ];
  assert.deepEqual(cloudAlertTargets(spec), { emails: [], slackReceivers: ["ops"], source: "critical routes" });
});

test("cloudAlerts with slack: none and e-mails only; with nobody at all, no DigitalOcean alert is created", async () => {
  const emailsOnly = loadEdited(SPEC_FILES.prod, /  slack: ops\n/, "  slack: none\n");
  const n = notificationsOf(await previewCloudResources(emailsOnly, { secrets: SECRETS, revealSecrets: true }))!;
  assert.deepEqual(n, { emails: ["oncall@dcg.example.com"], slacks: [] });

  const nobody = loadEdited(SPEC_FILES.prod, WITHOUT_CLOUD_ALERTS, "\ncloudAlerts: { emails: [], slack: none }\n");
  const rs = await previewCloudResources(nobody, { secrets: SECRETS });
  assert.equal(notificationsOf(rs), undefined);
  assert.deepEqual(ofType(rs, T.uptimeAlert), []);
  assert.deepEqual(ofType(rs, T.monitorAlert), []);
  assert.ok(ofType(rs, T.uptimeCheck).length > 0, "the checks still run");
});

test("stacks/dev.yaml (no cloudAlerts): its only receiver, Slack, takes critical alerts", async () => {
  const spec = loadSpec(SPEC_FILES.dev);
  const n = notificationsOf(await previewCloudResources(spec, { secrets: SECRETS, revealSecrets: true }))!;
  assert.deepEqual(n.slacks.map((s) => s.channel), ["#dcg-dev"]);
  assert.deepEqual(n.emails, []);
});
