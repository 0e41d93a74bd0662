// Maintenance windows, escalation and per-severity grouping in the rendered alertmanager.yml,
// judged by the real Alertmanager 0.25: amtool check-config and `amtool config routes test`, and
// a real `prometheus-alertmanager` on loopback that receives alerts through its API v2 and
// delivers them to a local webhook (what is muted now, when the secondary hears of an alert).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse, stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { alertmanagerSecrets, alertmanagerTemplate, anyOf, composeAndCheckScript, matcher, matcherValue, secretSites, specRoutes, windowMatchers, type AmRoute } from "../../provisioning/hub/alertmanager.ts";
import { activeWindows, windowActive, windowsDisjoint } from "../../provisioning/hub/maintenance-windows.ts";
import { AlertReceiver } from "../e2e/support/receiver.ts";
import { freePort } from "../node-role/helpers.ts";
import { requireTool, run, tempDir } from "./support.ts";

const BASE = `version: 1
environment: test
project: vigil
region: fra1
hosts:
  - { name: app-1, roles: [node] }
  - { name: app-2, roles: [node] }
  - { name: hub-1, roles: [hub] }
`;

function specOf(text: string): Spec {
  const r = loadSpecText(text, "spec.yaml");
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  return r.spec;
}

const receivers = (port: number, names: string[]) =>
  names.map((n) => `    ${n}: { webhook: { url: "http://127.0.0.1:${port}/${n}" } }`).join("\n");

const OPERATED = `${BASE}alerts:
  receivers:
${receivers(9, ["oncall", "secondary", "manager", "ops", "mail"])}
  routes:
    - { severity: critical, to: [oncall, ops], escalate: [{ after: 15m, to: [secondary] }, { after: 1h, to: [manager] }] }
    - { severity: warning, to: [ops] }
    - { to: [mail] }
  grouping: { wait: 30s, warning: { interval: 30m, repeat: 12h }, info: { interval: 1h, repeat: 1d } }
maintenance:
  - { name: app1-nightly, weekdays: ["monday:friday"], times: ["22:00-24:00"], timezone: Europe/Berlin, hosts: [app-1] }
  - { name: db-migration, weekdays: [saturday], alerts: [SqliteTooLarge, SqliteUnreadable] }
  - { name: app2-sunday, weekdays: [sunday], hosts: [app-2] }
`;

function writeConfig(spec: Spec): string {
  const file = join(tempDir("routes"), "alertmanager.yml");
  writeFileSync(file, alertmanagerTemplate(spec));
  return file;
}

const routesTest = (file: string, labels: Record<string, string>): string =>
  run("amtool", ["config", "routes", "test", `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${matcherValue(v)}`)]).stdout.trim();

test("maintenance, escalation and severity grouping render a config amtool accepts, routing as the spec says", () => {
  requireTool("amtool");
  const spec = specOf(OPERATED);
  const file = writeConfig(spec);
  const check = run("amtool", ["check-config", file]);
  assert.equal(check.status, 0, check.output);
  // Escalation receivers are part of the route's receivers; a window changes nothing about who.
  for (const host of ["app-1", "app-2", "db-1"]) {
    assert.equal(routesTest(file, { severity: "critical", alertname: "HostDown", host }), "oncall,ops,secondary,manager");
    assert.equal(routesTest(file, { severity: "warning", alertname: "SqliteTooLarge", host }), "ops");
    assert.equal(routesTest(file, { severity: "info", alertname: "Something", host }), "mail");
  }
  const doc = parse(alertmanagerTemplate(spec)) as { time_intervals: unknown[] };
  assert.deepEqual(doc.time_intervals[0], {
    name: "app1-nightly",
    time_intervals: [{ weekdays: ["monday:friday"], times: [{ start_time: "22:00", end_time: "24:00" }], location: "Europe/Berlin" }],
  });
});

/** Every path of the tree with the mute list of its last route (the routes an alert can end on). */
function leaves(routes: AmRoute[], prefix: string[] = []): { path: string[]; receiver?: string; mutes: string[]; group_wait?: string }[] {
  return routes.flatMap((r) => {
    const path = [...prefix, ...(r.matchers ?? [])];
    const own = { path, receiver: r.receiver, mutes: r.mute_time_intervals ?? [], group_wait: r.group_wait };
    return r.routes ? [own, ...leaves(r.routes, path)] : [own];
  });
}

test("windows that can concern the same alert nest (muted by both); disjoint ones do not", () => {
  const spec = specOf(OPERATED);
  const a = spec.maintenance[0]!;
  const b = spec.maintenance[1]!;
  const c = spec.maintenance[2]!;
  assert.equal(windowsDisjoint(a, c), true, "app-1 and app-2: no alert has both hosts");
  assert.equal(windowsDisjoint(a, b), false, "an SqliteTooLarge of app-1 is in both");
  const mutes = new Set(leaves(specRoutes(spec)).map((l) => l.mutes.join("+")));
  assert.deepEqual([...mutes].sort(), ["", "app1-nightly", "app1-nightly+db-migration", "app2-sunday", "db-migration", "db-migration+app2-sunday"]);
  // Every route below a window lists that window, escalation children included.
  for (const l of leaves(specRoutes(spec))) {
    if (l.path.some((m) => m.startsWith("host=") && m.includes("app-1"))) assert.ok(l.mutes.includes("app1-nightly"), JSON.stringify(l));
  }
  const escalations = leaves(specRoutes(spec)).filter((l) => l.receiver === "secondary");
  assert.ok(escalations.length >= 4 && escalations.every((l) => l.group_wait === "15m"));
});

test("severity grouping: warning and info notifications batch on their own interval and repeat", () => {
  const spec = specOf(OPERATED);
  const top = specRoutes(spec).filter((r) => !r.mute_time_intervals);
  assert.deepEqual(
    top.map((r) => [r.matchers, r.group_interval, r.repeat_interval]),
    [
      [['severity="critical"'], undefined, undefined],
      [['severity="warning"'], "30m", "12h"],
      // The catch-all route: a child per batched severity, in front of the receiver.
      [undefined, undefined, undefined],
    ],
  );
  assert.deepEqual(top[2]!.routes?.map((r) => [r.matchers, r.group_interval, r.repeat_interval]), [
    [['severity="warning"'], "30m", "12h"],
    [['severity="info"'], "1h", "1d"],
  ]);
  // One receiver: nothing to fan out to, no empty list of children.
  assert.ok(top[2]!.routes!.every((r) => !("routes" in r)), JSON.stringify(top[2]));
});

test("hostile label values reach the matcher exactly: tabs, quotes, backslashes, newlines, commas, braces", () => {
  requireTool("amtool");
  const hostile = ['a"b', "back\\slash", "tab\there", "new\nline", "com,ma", "{brace}", "\\n", 'end\\"', " spaced ", "ü✓"];
  const lines = hostile.map((v, i) => `    - { match: { team: ${JSON.stringify(v)} }, to: [r${i}] }`);
  const spec = specOf(`${BASE}alerts:
  receivers:
${receivers(9, ["fallback", ...hostile.map((_, i) => `r${i}`)])}
  routes:
${lines.join("\n")}
    - { to: [fallback] }
maintenance:
${hostile.slice(0, 8).map((v, i) => `  - { name: w${i}, weekdays: [sunday], match: { team: ${JSON.stringify(v)} } }`).join("\n")}
`);
  const file = writeConfig(spec);
  const check = run("amtool", ["check-config", file]);
  assert.equal(check.status, 0, check.output);
  hostile.forEach((value, i) => {
    assert.equal(routesTest(file, { team: value, severity: "critical" }), `r${i}`, JSON.stringify(value));
    assert.equal(routesTest(file, { team: `${value}x`, severity: "critical" }), "fallback", JSON.stringify(value));
  });
});

test("windowActive follows the window's zone, weekday ranges and [start, end) like Alertmanager", () => {
  const spec = specOf(OPERATED);
  const nightly = spec.maintenance[0]!;
  // Wednesday 2 December 2026: Berlin is UTC+1 in winter, UTC+2 in summer.
  assert.equal(windowActive(nightly, new Date("2026-12-02T21:30:00Z")), true, "22:30 in Berlin");
  assert.equal(windowActive(nightly, new Date("2026-12-02T20:59:59Z")), false, "21:59 in Berlin");
  assert.equal(windowActive(nightly, new Date("2026-12-02T21:00:00Z")), true, "22:00 is inside");
  assert.equal(windowActive(nightly, new Date("2026-12-02T23:00:00Z")), false, "24:00 is outside (Thursday 00:00)");
  assert.equal(windowActive(nightly, new Date("2026-07-01T20:30:00Z")), true, "22:30 CEST");
  assert.equal(windowActive(nightly, new Date("2026-12-05T21:30:00Z")), false, "Saturday");
  assert.deepEqual(activeWindows(spec, new Date("2026-12-05T10:00:00Z")).map((w) => w.name), ["db-migration"]);
});

// ---------------------------------------------------------------------------------------------
// A real Alertmanager 0.25 on loopback.

const hook = new AlertReceiver();
let am: ChildProcess | undefined;
let amUrl = "";

const pad = (n: number) => String(n).padStart(2, "0");
/**
 * An hour around now on today's weekday, in the first zone whose local time is far from midnight
 * (a window of "today" that the test would see turn into tomorrow would prove nothing).
 */
function windowAroundNow(): { zone: string; weekday: string; times: string } {
  for (const zone of ["Asia/Kolkata", "America/New_York", "Pacific/Auckland"]) {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date());
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    const minutes = Number(get("hour")) * 60 + Number(get("minute"));
    if (minutes < 60 || minutes > 22 * 60) continue;
    const fmt = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
    return { zone, weekday: get("weekday").toLowerCase(), times: `${fmt(minutes - 30)}-${fmt(minutes + 31)}` };
  }
  throw new Error("unreachable: three zones eight hours apart cannot all be near midnight");
}
/** A range twelve hours away from now (UTC): never active during the test. */
function windowFarFromNow(): string {
  const h = (new Date().getUTCHours() + 12) % 24;
  return `${pad(h)}:00-${h === 23 ? "24:00" : `${pad(h + 1)}:00`}`;
}

let liveSpec: Spec;

// Its own suite: the Alertmanager starts only for the test that uses it (and once per mutant run
// under npm run mutate, whose runner runs a suite's before hooks each time it enters the suite).
describe("a real Alertmanager", () => {
  before(async () => {
    requireTool("prometheus-alertmanager");
    const hookPort = await hook.start();
    const now = windowAroundNow();
    liveSpec = specOf(`${BASE}alerts:
  receivers:
${receivers(hookPort, ["oncall", "secondary"])}
  routes:
    - { severity: critical, to: [oncall], escalate: [{ after: 4s, to: [secondary] }] }
  grouping: { by: [alertname, host], wait: 1s, interval: 1s, repeat: 1h }
maintenance:
  - { name: now, weekdays: [${now.weekday}], times: ["${now.times}"], timezone: ${now.zone}, hosts: [app-1] }
  - { name: later, times: ["${windowFarFromNow()}"], hosts: [app-2] }
`);
    const dir = tempDir("am-live");
    const config = join(dir, "alertmanager.yml");
    writeFileSync(config, alertmanagerTemplate(liveSpec));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      "prometheus-alertmanager",
      [`--config.file=${config}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address=", "--log.level=warn"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${amUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await sleep(100);
    }
    throw new Error("alertmanager did not become ready");
  });

  after(async () => {
    am?.kill("SIGTERM");
    await hook.stop();
  });

  async function postAlerts(alerts: { labels: Record<string, string>; endsAt?: string }[]): Promise<void> {
    const r = await fetch(`${amUrl}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, startsAt: new Date().toISOString(), ...(a.endsAt ? { endsAt: a.endsAt } : {}) }))),
    });
    assert.equal(r.status, 200, await r.text());
  }

  test("real Alertmanager: a window covering now mutes its host; the other host pages; escalation only for what still fires after 4 s", { timeout: 60_000 }, async () => {
    assert.deepEqual(activeWindows(liveSpec, new Date()).map((w) => w.name), ["now"], "vigil status's view of the windows");
    const since = Date.now();
    const firing = (host: string, alertname = "HostDown") => ({ labels: { alertname, host, severity: "critical" } });
    await postAlerts([firing("app-1"), firing("app-2"), firing("app-2", "Flapping")]);
    const paged = await hook.waitFor({ host: "app-2", alertname: "HostDown" }, { since, timeoutMs: 10_000 });
    assert.equal(paged.receiverPath, "/oncall");
    // The short one resolves at once: never escalated.
    await postAlerts([{ ...firing("app-2", "Flapping"), endsAt: new Date().toISOString() }]);
    const keepFiring = setInterval(() => void postAlerts([firing("app-1"), firing("app-2")]).catch(() => {}), 1000);
    try {
      let escalated;
      for (let i = 0; i < 150 && !escalated; i++) {
        escalated = hook.alerts.find((a) => a.receiverPath === "/secondary" && a.labels.host === "app-2" && a.labels.alertname === "HostDown");
        if (!escalated) await sleep(100);
      }
      assert.ok(escalated, "the secondary was told about app-2");
      const delay = (escalated.receivedAt - since) / 1000;
      assert.ok(delay >= 4 && delay < 9, `escalated after ${delay} s`);
      await sleep(3000);
    } finally {
      clearInterval(keepFiring);
    }
    const seen = hook.alerts.filter((a) => a.receivedAt >= since).map((a) => `${a.receiverPath} ${a.labels.host} ${a.labels.alertname} ${a.status}`);
    assert.ok(!seen.some((s) => s.includes("app-1")), `app-1 is in maintenance: ${seen.join("; ")}`);
    assert.ok(!seen.some((s) => s.startsWith("/secondary") && s.includes("Flapping")), `resolved before 4 s: ${seen.join("; ")}`);
    // Muted is not silenced: Alertmanager still has the alert, active.
    const alerts = (await (await fetch(`${amUrl}/api/v2/alerts?filter=host%3D%22app-1%22`)).json()) as { status: { state: string } }[];
    assert.equal(alerts[0]?.status.state, "active");
  });
});

test("a window's matchers select exactly its hosts, alert names and labels, anchored and escaped (amtool config routes test)", () => {
  requireTool("amtool");
  const spec = specOf(`${BASE}alerts:
  receivers:
${receivers(9, ["ops"])}
  routes:
    - { to: [ops] }
maintenance:
  - { name: one-host, weekdays: [sunday], hosts: [app-1] }
  - { name: two-hosts, weekdays: [sunday], hosts: [app-1, app-2] }
  - { name: one-alert, weekdays: [sunday], alerts: [HostDown] }
  - { name: two-alerts, weekdays: [sunday], alerts: [SqliteTooLarge, SqliteUnreadable] }
  - { name: labels, weekdays: [sunday], hosts: [app-2], alerts: [HostDown], match: { team: db, tier: "a.b" } }
`);
  const [oneHost, twoHosts, oneAlert, twoAlerts, labels] = spec.maintenance.map((w) => windowMatchers(w));
  assert.deepEqual(oneHost, ['host="app-1"']);
  assert.deepEqual(twoHosts, ['host=~"app-1|app-2"']);
  assert.deepEqual(oneAlert, ['alertname="HostDown"']);
  assert.deepEqual(twoAlerts, ['alertname=~"SqliteTooLarge|SqliteUnreadable"']);
  assert.deepEqual(labels, ['host="app-2"', 'alertname="HostDown"', 'team="db"', 'tier="a.b"']);
  // Each set of matchers on one route of a config of its own: which label sets reach it.
  const reaches = (matchers: string[], labelSet: Record<string, string>): boolean => {
    const file = join(tempDir("window-matchers"), "alertmanager.yml");
    writeFileSync(file, stringify({ route: { receiver: "rest", routes: [{ receiver: "window", matchers }] }, receivers: [{ name: "rest" }, { name: "window" }] }));
    return routesTest(file, labelSet) === "window";
  };
  assert.equal(reaches(oneHost!, { host: "app-1" }), true);
  assert.equal(reaches(oneHost!, { host: "app-10" }), false);
  assert.equal(reaches(twoHosts!, { host: "app-2" }), true);
  assert.equal(reaches(twoHosts!, { host: "app-1|app-2" }), false, "alternatives, not the text");
  assert.equal(reaches(twoHosts!, { host: "app-12" }), false, "anchored");
  assert.equal(reaches(twoAlerts!, { alertname: "SqliteUnreadable", host: "db-1" }), true);
  assert.equal(reaches(labels!, { host: "app-2", alertname: "HostDown", team: "db", tier: "a.b" }), true);
  assert.equal(reaches(labels!, { host: "app-2", alertname: "HostDown", team: "db" }), false, "every matcher must hold");
  // Values are regex text only through anyOf: its metacharacters stand for themselves.
  const meta = ["a.b", "c|d", "(x)", "e*", "[f]", "{2}", "\\g", "^h$", "+?"];
  const any = anyOf(meta);
  assert.equal(any, "a\\.b|c\\|d|\\(x\\)|e\\*|\\[f\\]|\\{2\\}|\\\\g|\\^h\\$|\\+\\?");
  for (const value of meta) assert.equal(reaches([matcher("host", "=~", any)], { host: value }), true, value);
  for (const near of ["axb", "c", "x", "eee", "f", "gg", "\\\\g", "h", "+"]) assert.equal(reaches([matcher("host", "=~", any)], { host: near }), false, near);
});

test("matcher(): Alertmanager's quoting of a value (only \\\\, \" and newline escaped), and no label name Prometheus would refuse", () => {
  assert.equal(matcherValue('a"b\\c\nd\te'), '"a\\"b\\\\c\\nd\te"');
  assert.equal(matcher("team", "!~", 'x"'), 'team!~"x\\""');
  for (const bad of ["", "1x", "a-b", "a b", 'a="b"']) assert.throws(() => matcher(bad, "=", "v"), /internal: .* is not a label name/, bad);
  assert.equal(matcher("_a9", "=", ""), '_a9=""');
});

test("the tree as rendered: severity children only for the severities with grouping, fan-out under them, per-alert escalation groups, the critical wait", () => {
  requireTool("amtool");
  const spec = specOf(`${BASE}intervals: { scrape: 15s, evaluation: 20s }
alerts:
  receivers:
${receivers(9, ["oncall", "secondary", "ops"])}
    mail: { email: { to: [a@example.com, b@example.com], from: vigil@example.com, smarthost: "smtp.example.com:587" } }
    pager: { pagerduty: { routingKey: { secret: pdKey }, url: "https://events.eu.pagerduty.com/v2/enqueue" } }
  routes:
    - { severity: critical, to: [oncall], escalate: [{ after: 15m, to: [secondary] }] }
    - { severity: warning, to: [ops] }
    - { to: [mail, ops] }
  grouping: { warning: { interval: 30m } }
`);
  const doc = parse(alertmanagerTemplate(spec)) as { route: AmRoute; receivers: { name: string; email_configs?: { to: string }[] }[] };
  // Not confirmed yet: 30 s for company; critical (confirmed by its for): one evaluation.
  assert.equal(doc.route.group_wait, "30s");
  const critical = doc.route.routes![1]!;
  assert.deepEqual([critical.matchers, critical.group_wait], [['severity="critical"'], "20s"]);
  const [pager, warning, catchAll] = specRoutes(spec);
  // Escalation: one group per alert, flushed `after` later.
  assert.deepEqual(pager!.routes, [
    { receiver: "oncall", continue: true },
    { receiver: "secondary", group_by: ["..."], group_wait: "15m", continue: true },
  ]);
  // A route of one severity and one receiver takes its grouping itself and has no children.
  assert.deepEqual(warning, { receiver: "ops", matchers: ['severity="warning"'], group_interval: "30m" });
  // Only warning has grouping: one child, in front of the receivers, which it fans out to itself.
  assert.deepEqual(catchAll, {
    receiver: "mail",
    routes: [
      { receiver: "mail", matchers: ['severity="warning"'], group_interval: "30m", routes: [{ receiver: "mail", continue: true }, { receiver: "ops", continue: true }] },
      { receiver: "mail", continue: true },
      { receiver: "ops", continue: true },
    ],
  });
  assert.equal(doc.receivers.find((r) => r.name === "mail")!.email_configs![0]!.to, "a@example.com, b@example.com");
  assert.deepEqual((doc.receivers.find((r) => r.name === "pager") as { pagerduty_configs?: unknown[] }).pagerduty_configs, [
    { routing_key_file: "/etc/prometheus/vigil-secrets/pdKey", url: "https://events.eu.pagerduty.com/v2/enqueue", send_resolved: true },
  ]);
  const file = writeConfig(spec);
  assert.equal(run("amtool", ["check-config", file]).status, 0);
  assert.equal(routesTest(file, { severity: "info", alertname: "X" }), "mail,ops");
  assert.equal(routesTest(file, { severity: "warning", alertname: "X" }), "ops");
  assert.equal(routesTest(file, { severity: "critical", alertname: "X" }), "oncall,secondary");
});

test("secrets: files and substituted webhook URLs listed once each, sorted; a webhook's secret URL found on its own line, a plain URL left alone", () => {
  const spec = specOf(`${BASE}alerts:
  receivers:
    zeta: { webhook: { url: { secret: zetaHook } } }
    plain: { webhook: { url: "http://127.0.0.1:9/plain" } }
    alpha: { webhook: { url: { secret: alphaHook } } }
    again: { webhook: { url: { secret: zetaHook } } }
    pager: { pagerduty: { routingKey: { secret: pdKey } } }
    chat: { slack: { webhook: { secret: chatHook } } }
  routes:
    - { to: [zeta, plain, alpha, again, pager, chat] }
`);
  assert.deepEqual(alertmanagerSecrets(spec), { files: ["chatHook", "pdKey"], substituted: ["alphaHook", "zetaHook"] });
  const template = alertmanagerTemplate(spec);
  const lines = template.split("\n");
  const sites = secretSites(spec, template);
  assert.deepEqual(sites.map((s) => s.secret), ["zetaHook", "alphaHook", "zetaHook"]);
  for (const s of sites) assert.equal(lines[s.line - 1], `${s.prefix}__VIGIL_SECRET_${s.secret}__`);
  assert.ok(template.includes("http://127.0.0.1:9/plain"));
  // The message when amtool refuses the real values names each secret once.
  assert.match(composeAndCheckScript(spec), /with the value of secret zetaHook, alphaHook \(it accepts it with a stand-in URL\)/);
});

test("a route's own grouping (by, wait) on its severity child, and continue: an alert goes on to the next route", () => {
  requireTool("amtool");
  const spec = specOf(`${BASE}alerts:
  receivers:
${receivers(9, ["ops", "mail"])}
  routes:
    - { severity: warning, to: [ops], continue: true }
    - { to: [mail] }
  grouping: { warning: { by: [alertname, host], wait: 1m, interval: 30m } }
`);
  const [warning, catchAll] = specRoutes(spec);
  assert.deepEqual(warning, { receiver: "ops", matchers: ['severity="warning"'], group_by: ["alertname", "host"], group_wait: "1m", group_interval: "30m", continue: true });
  assert.deepEqual(catchAll!.routes, [{ receiver: "mail", matchers: ['severity="warning"'], group_by: ["alertname", "host"], group_wait: "1m", group_interval: "30m" }]);
  const file = writeConfig(spec);
  assert.equal(run("amtool", ["check-config", file]).status, 0);
  assert.equal(routesTest(file, { severity: "warning", alertname: "X" }), "ops,mail");
  assert.equal(routesTest(file, { severity: "info", alertname: "X" }), "mail");
});
