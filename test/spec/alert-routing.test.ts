// Who a critical alert reaches, read from the routes as Alertmanager reads them
// (schema/alert-routing.ts), and who DigitalOcean's own alerts notify.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpecText } from "../../schema/load-spec.ts";
import { cloudAlertTargets, criticalPath, criticalReceivers } from "../../schema/alert-routing.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { isSecretRef, type Spec } from "../../schema/spec-schema.ts";

function spec(alerts: string, extra = ""): Spec {
  const r = loadSpecText(
    `version: 1\nenvironment: prod\nproject: p\nregion: fra1\nhosts: [{ name: a, roles: [node, hub] }]\nalerts:\n  receivers:
    mail-a: { email: { to: [ops@example.com, db@example.com], from: v@example.com, smarthost: "smtp.example.com:587" } }
    mail-b: { email: { to: [ops@example.com], from: v@example.com, smarthost: "smtp.example.com:587" } }
    chat: { slack: { webhook: { secret: w } } }
    hook: { webhook: { url: "https://h.example.com/" } }
${alerts}\n${extra}`,
    "a.yaml",
  );
  assert.ok(r.ok, r.ok ? "" : formatErrors(r.errors));
  return r.spec;
}

test("the critical path: routes taking critical (or any severity) without a match, up to the first that does not continue", () => {
  const s = spec(`  routes:
    - { severity: warning, to: [mail-b] }
    - { severity: critical, match: { team: db }, to: [hook] }
    - { to: [mail-a], continue: true }
    - { severity: critical, match: {}, to: [chat], continue: true }
    - { severity: critical, to: [mail-b] }
    - { to: [hook] }`);
  assert.deepEqual(criticalPath(s.alerts.routes).map((p) => p.index), [2, 3, 4]);
  assert.deepEqual(criticalReceivers(s), ["mail-a", "chat", "mail-b"]);
});

test("DigitalOcean alerts: the e-mail addresses and Slack receivers of the critical path, each once, when cloudAlerts is not given", () => {
  const s = spec(`  routes:
    - { to: [mail-a, hook], continue: true }
    - { severity: critical, to: [mail-b, chat] }`);
  assert.deepEqual(cloudAlertTargets(s), { emails: ["ops@example.com", "db@example.com"], slackReceivers: ["chat"], source: "critical routes" });
  const given = spec("  routes: [{ to: [hook] }]", "cloudAlerts: { emails: [x@example.com], slack: chat }");
  assert.deepEqual(cloudAlertTargets(given), { emails: ["x@example.com"], slackReceivers: ["chat"], source: "cloudAlerts" });
  const none = spec("  routes: [{ to: [hook] }]", "cloudAlerts: { emails: [x@example.com], slack: none }");
  assert.deepEqual(cloudAlertTargets(none), { emails: ["x@example.com"], slackReceivers: [], source: "cloudAlerts" });
});

test("a secret reference is a mapping with a string secret, nothing else", () => {
  assert.equal(isSecretRef({ secret: "token" }), true);
  for (const v of [null, undefined, "token", 5, { secret: 5 }, {}, ["token"]]) assert.equal(isSecretRef(v), false, JSON.stringify(v));
});
