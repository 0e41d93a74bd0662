// The rule families as data, in-process and fast: the computed numbers (burn factors and
// thresholds, budget, windows, lookback, confirmation time), which alert exists under which spec,
// with which severity, labels and `for`, and that every expression is valid PromQL (Prometheus'
// own grammar). When rules fire is promtool's job (promtool-rules, rule-boundaries); this file is
// what the mutation run of provisioning/rules/ leans on first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parser } from "@prometheus-io/lezer-promql";
import { parse } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Slo, Spec } from "../../schema/spec-schema.ts";
import { agentRuleGroups } from "../../provisioning/rules/agent-rules.ts";
import { agentStaleSeconds, confirmFor, confirmSeconds } from "../../provisioning/detection-timing.ts";
import { diskFillLookbackSeconds, hostRuleGroups, monitoredNodes } from "../../provisioning/rules/host-rules.ts";
import { alertLabels, alternation, matchers, num, ruleFileYaml, str, type AlertingRule, type RecordingRule, type RuleGroup } from "../../provisioning/rules/rule-file.ts";
import { budgetFraction, burnFactor, burnThreshold, sloRuleGroups, sloRuleGroupsFor, sloWindows } from "../../provisioning/rules/slo-rules.ts";
import { BURN_PAIRS, SLO_WINDOWS, TLS_CRITICAL_DAYS } from "../../provisioning/rules/tunables.ts";
import { customRuleGroups } from "../../provisioning/rules/custom-rules.ts";
import { hostSystemRuleGroups } from "../../provisioning/rules/host-system-rules.ts";
import { selfRuleGroups } from "../../provisioning/rules/self-rules.ts";
import { uptimeRuleGroups } from "../../provisioning/rules/uptime-rules.ts";
import { watchdogRuleGroups, WATCHDOG_ALERT } from "../../provisioning/rules/watchdog-rules.ts";

function specWith(extra: string, scrape = "15s", evaluation = scrape, agent = true): Spec {
  const loaded = loadSpecText(
    `version: 1
environment: staging
project: vigil
region: fra1
hosts:
  - name: app-1
    roles: [node]
    services: [nginx]
${
  agent
    ? `    agent:
      sqlite:
        - path: /srv/app/main.db
          maxSizeMB: 100
          maxWalMB: 64
      pm2:
        - user: deploy
          apps: [api]
`
    : ""
}  - name: hub-1
    roles: [node, hub]
intervals: { scrape: ${scrape}, evaluation: ${evaluation} }
alerts:
  receivers:
    ops: { webhook: { url: "http://127.0.0.1:9/alerts" } }
  routes:
    - { severity: critical, to: [ops] }
${extra}`,
    "rule-model.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
}

const alerts = (groups: RuleGroup[]): AlertingRule[] => groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => "alert" in r));
const records = (groups: RuleGroup[]): RecordingRule[] => groups.flatMap((g) => g.rules.filter((r): r is RecordingRule => "record" in r));

/** Parses with Prometheus' grammar; returns the text of the first error node, if any. */
function promqlError(expr: string): string | undefined {
  let error: string | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError && error === undefined) error = `error at ${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 20), node.to + 20))}`;
    },
  });
  return error;
}

const slo = (fields: Partial<Slo>): Slo => ({ name: "s", objective: 99.9, window: "30d", minEventsPerHour: 0, ...fields }) as Slo;

test("PromQL literals: strings are Go-quoted, regex alternatives escaped, matchers in order", () => {
  assert.equal(str(`a"b\\c`), `"a\\"b\\\\c"`);
  assert.equal(alternation(["a.b", "x|y", "p*q+r?", "^(s)$", "[t]{u}\\v"]), "a\\.b|x\\|y|p\\*q\\+r\\?|\\^\\(s\\)\\$|\\[t\\]\\{u\\}\\\\v");
  assert.equal(matchers({ job: "node", host: 'a"1' }), `job="node",host="a\\"1"`);
  assert.equal(matchers({}), "");
  assert.equal(num(0.1 + 0.2), "0.3");
  assert.equal(num(14.4), "14.4");
  // Fixed point, never exponent form (issue 11: numbers in config files are plain decimals).
  assert.equal(num(1e-7), "0.0000001");
});

test("alert labels: severity, environment, then extras; confirmation is alerts.confirm (3) evaluations, no minute floor", () => {
  const spec = specWith("");
  assert.deepEqual(alertLabels(spec, "warning"), { severity: "warning", environment: "staging" });
  assert.deepEqual(alertLabels(spec, "critical", { check: "x" }), { severity: "critical", environment: "staging", check: "x" });
  // Issue 18: for = confirm x evaluation (the old max(3 scrapes, 60 s) floor is gone).
  assert.equal(confirmSeconds(specWith("", "15s")), 45);
  assert.equal(confirmSeconds(specWith("", "5s")), 15);
  assert.equal(confirmSeconds(specWith("", "20s")), 60);
  assert.equal(confirmSeconds(specWith("", "30s")), 90);
  assert.equal(confirmFor(specWith("", "30s")), "90s");
  assert.equal(confirmFor(specWith("", "1m")), "3m");
  // Counted in evaluations, not scrapes.
  assert.equal(confirmSeconds(specWith("", "5s", "15s")), 45);
  assert.equal(confirmSeconds(specWith("", "5s", "10s")), 30);
  const confirm5 = { ...spec, alerts: { ...spec.alerts, confirm: 5 } };
  assert.equal(confirmSeconds(confirm5), 75);
  assert.equal(confirmFor(confirm5), "75s");
  // AgentDown: one agent interval (default: the scrape interval) plus confirm scrapes.
  assert.equal(agentStaleSeconds(specWith("", "15s")), 60);
  assert.equal(agentStaleSeconds(specWith("", "5s", "15s")), 20);
});

test("a rule file: header names its family, the YAML round-trips, and the same groups give the same bytes", () => {
  const groups: RuleGroup[] = [{ name: "g", interval: "5m", rules: [{ record: "r", expr: "a\nor\nb", labels: { x: "1" } }] }];
  const text = ruleFileYaml("demo", groups);
  assert.ok(text.startsWith("# Written by vigil (demo rules); changes here are overwritten on the next apply.\n"));
  assert.deepEqual(parse(text), { groups });
  assert.equal(ruleFileYaml("demo", structuredClone(groups)), text);
  // Multi-line expressions are literal blocks, read on the hub line by line as they were written.
  assert.match(text, /\n {8}expr: \|-\n {10}a\n {10}or\n {10}b\n/);
  // Shared label objects are written out, not as YAML aliases (Prometheus rejects those in places).
  const labels = { a: "1" };
  assert.doesNotMatch(ruleFileYaml("demo", [{ name: "g", rules: [{ record: "r1", expr: "1", labels }, { record: "r2", expr: "1", labels }] }]), /[&*]a\d/);
});

test("error budget: 100 - objective as a ratio; objectives at or beyond the ends are refused", () => {
  assert.equal(budgetFraction(slo({ objective: 99.9 })), 0.001);
  assert.equal(budgetFraction(slo({ objective: 99 })), 0.01);
  assert.equal(budgetFraction(slo({ objective: 99.95 })), 0.0005);
  for (const objective of [100, 0, -1, 101]) {
    assert.throws(() => budgetFraction(slo({ name: "x", objective })), new RegExp(`SLO "x": objective must be above 0 and below 100 \\(got ${objective}\\)`));
  }
});

test("burn factors: the workbook shares scaled to the SLO window, never below 1; thresholds are factor x budget", () => {
  const factors = (window: string) => BURN_PAIRS.map((p) => burnFactor(slo({ window }), p));
  assert.deepEqual(factors("30d"), [14.4, 6, 3, 1]);
  assert.deepEqual(factors("7d"), [3.36, 1.4, 1, 1]);
  assert.deepEqual(factors("90d"), [43.2, 18, 9, 3]);
  assert.deepEqual(factors("1d"), [1, 1, 1, 1]);
  assert.deepEqual(
    BURN_PAIRS.map((p) => burnThreshold(slo({ objective: 99.9, window: "30d" }), p)),
    [0.0144, 0.006, 0.003, 0.001],
  );
  assert.deepEqual(
    BURN_PAIRS.map((p) => [p.severity, p.long, p.short, p.budgetShare]),
    [
      ["critical", "1h", "5m", 0.02],
      ["critical", "6h", "30m", 0.05],
      ["warning", "1d", "2h", 0.1],
      ["warning", "3d", "6h", 0.1],
    ],
  );
});

test("SLO windows: the fixed ones plus the SLO's own, once", () => {
  assert.deepEqual(SLO_WINDOWS, ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]);
  assert.deepEqual(sloWindows(slo({ window: "30d" })), [...SLO_WINDOWS, "30d"]);
  assert.deepEqual(sloWindows(slo({ window: "3d" })), [...SLO_WINDOWS]);
  assert.deepEqual(sloWindows(slo({ window: "72h" })), [...SLO_WINDOWS]);
  assert.deepEqual(sloWindows(slo({ window: "168h" })), [...SLO_WINDOWS, "1w"]);
});

const SLOS = `uptime:
  - name: api
    url: https://api.example.test/health
    latencyMs: 500
    sslExpiryDays: 14
  - name: sip
    tcp: sip.example.test:5060
  - name: legacy
    url: https://legacy.example.test/
    sslExpiryDays: 2
  - name: shop
    url: https://shop.example.test/
    sslExpiryDays: 30
slos:
  - name: avail
    uptime: api
    objective: 99.9
    window: 30d
    minEventsPerHour: 60
  - name: fast
    uptime: api
    objective: 99
    latencyMs: 200
    window: 3d
  - name: errors
    objective: 99.5
    window: 7d
    errorQuery: sum(rate(http_requests_total{code=~"5.."}[{{window}}]))
    totalQuery: sum(rate(http_requests_total[{{window}}]))
`;

test("SLO groups: recording rules per window, the budget group every 5m at least, four burn alerts with their labels", () => {
  const spec = specWith(SLOS);
  const [avail, availBudget] = sloRuleGroupsFor(spec, spec.slos[0]!);
  assert.equal(avail!.name, "vigil-slo-avail");
  assert.equal(avail!.interval, undefined);
  assert.equal(availBudget!.name, "vigil-slo-avail-budget");
  assert.equal(availBudget!.interval, "5m");
  assert.equal(sloRuleGroupsFor(specWith(SLOS, "1m", "10m"), spec.slos[0]!)[1]!.interval, "10m");
  assert.equal(sloRuleGroupsFor(specWith(SLOS, "1m", "4m"), spec.slos[0]!)[1]!.interval, "5m");
  // Probe SLI: the per-evaluation good sample first, then ratio and events for each fast window.
  assert.deepEqual(
    records([avail!]).map((r) => r.record),
    ["slo:sli_good:probe", ...SLO_WINDOWS.flatMap((w) => [`slo:sli_error:ratio_rate${w}`, `slo:sli_events:rate${w}`])],
  );
  for (const r of records([avail!, availBudget!])) assert.deepEqual(r.labels, { slo: "avail" });
  // The 30d window is recorded only in the slow budget group, with the objective and what is left.
  assert.deepEqual(
    records([availBudget!]).map((r) => r.record),
    ["slo:sli_error:ratio_rate30d", "slo:sli_events:rate30d", "slo:objective:ratio", "slo:error_budget_remaining:ratio"],
  );
  assert.equal(records([availBudget!]).find((r) => r.record === "slo:objective:ratio")!.expr, "vector(0.999)");
  assert.equal(records([availBudget!]).find((r) => r.record === "slo:error_budget_remaining:ratio")!.expr, `1 - slo:sli_error:ratio_rate30d{slo="avail"} / 0.001`);
  // A 3d SLO's own window is one of the fast ones: not recorded twice.
  const fastBudget = sloRuleGroupsFor(spec, spec.slos[1]!)[1]!;
  assert.deepEqual(records([fastBudget]).map((r) => r.record), ["slo:objective:ratio", "slo:error_budget_remaining:ratio"]);
  assert.match(records([fastBudget]).at(-1)!.expr, /slo:sli_error:ratio_rate3d\{slo="fast"\} \/ 0\.01$/);

  const burns = alerts([avail!]);
  assert.deepEqual(
    burns.map((a) => [a.alert, a.labels]),
    BURN_PAIRS.map((p) => ["SloErrorBudgetBurn", { severity: p.severity, environment: "staging", slo: "avail", long_window: p.long, short_window: p.short }]),
  );
  assert.deepEqual(
    burns[0]!.expr.split("\n"),
    ['slo:sli_error:ratio_rate1h{slo="avail"} > 0.0144', 'and slo:sli_error:ratio_rate5m{slo="avail"} > 0.0144', 'and slo:sli_events:rate1h{slo="avail"} * 3600 >= 60'],
  );
  assert.equal(burns[3]!.annotations.burn_rate, "1");
  assert.match(burns[0]!.annotations.min_events!, /fewer than 60 events per hour arrived over the last 1h/);
  // No guard line without minEventsPerHour.
  const errorsBurn = alerts(sloRuleGroupsFor(spec, spec.slos[2]!))[1]!;
  assert.deepEqual(errorsBurn.expr.split("\n"), ['slo:sli_error:ratio_rate6h{slo="errors"} > 0.007', 'and slo:sli_error:ratio_rate30m{slo="errors"} > 0.007']);
  assert.equal(errorsBurn.annotations.min_events, "No minimum-events guard (minEventsPerHour: 0).");
  assert.equal(sloRuleGroups(spec).length, 6);
});

test("SLIs: probe success (and latency) per check, or the two queries at each window; no NaN without events", () => {
  const spec = specWith(SLOS);
  const [avail] = sloRuleGroupsFor(spec, spec.slos[0]!);
  const [fast] = sloRuleGroupsFor(spec, spec.slos[1]!);
  const [errors] = sloRuleGroupsFor(spec, spec.slos[2]!);
  const rec = (g: RuleGroup, name: string) => records([g]).find((r) => r.record === name)!.expr;
  assert.equal(rec(avail!, "slo:sli_good:probe"), `min(probe_success{job="uptime",check="api"})`);
  assert.equal(rec(fast!, "slo:sli_good:probe"), `min(probe_success{job="uptime",check="api"} * (probe_duration_seconds{job="uptime",check="api"} <= bool 0.2))`);
  assert.equal(
    rec(avail!, "slo:sli_error:ratio_rate1h"),
    `1 - sum(sum_over_time(slo:sli_good:probe{slo="avail"}[1h])) / sum(count_over_time(slo:sli_good:probe{slo="avail"}[1h]))\nor vector(0)`,
  );
  assert.equal(rec(avail!, "slo:sli_events:rate1h"), `sum(count_over_time(slo:sli_good:probe{slo="avail"}[1h])) / 3600\nor vector(0)`);
  assert.equal(
    rec(errors!, "slo:sli_error:ratio_rate2h"),
    `clamp_max((sum(sum(rate(http_requests_total{code=~"5.."}[2h]))) or vector(0)) / (sum(sum(rate(http_requests_total[2h]))) > 0), 1)\nor vector(0)`,
  );
  assert.equal(rec(errors!, "slo:sli_events:rate2h"), `sum(sum(rate(http_requests_total[2h])))\nor vector(0)`);
  assert.equal(alerts([avail!])[0]!.annotations.sli, `probes of uptime check "api"; a failed probe is bad`);
  assert.equal(alerts([fast!])[0]!.annotations.sli, `probes of uptime check "api"; a failed probe or one slower than 200ms is bad`);
  assert.equal(alerts([errors!])[0]!.annotations.sli, "errorQuery / totalQuery (each summed into one series)");
  assert.throws(() => sloRuleGroupsFor(spec, slo({ name: "ghost", uptime: "nope" })), /SLO "ghost": no uptime check named "nope"/);
  assert.throws(() => sloRuleGroupsFor(spec, slo({ name: "bare" })), /SLO "bare" has no SLI/);
});

test("disk-fill lookback: a quarter of the horizon, clamped to 1h..1d", () => {
  const table: [number, number][] = [
    [1, 3600],
    [2, 3600],
    [4, 3600],
    [5, 4500],
    [24, 21600],
    [96, 86400],
    [168, 86400],
    [1.5, 3600],
  ];
  for (const [hours, seconds] of table) assert.equal(diskFillLookbackSeconds(hours), seconds, `${hours}h`);
});

test("host alerts: each threshold at its own level and for, the disk-fill line over its lookback and horizon", () => {
  const spec = specWith(`thresholds:
  cpu: { warning: 71, critical: 91, for: 4m }
  memory: { warning: 81, critical: 96, for: 6m }
  disk: { warning: 82, critical: 92, for: 7m }
  load: { warning: 2.5, critical: 5.5, for: 11m }
  diskFillHours: 12
`);
  const rules = alerts(hostRuleGroups(spec));
  const by = (name: string, severity: string) => rules.find((r) => r.alert === name && r.labels.severity === severity)!;
  for (const [name, key] of [
    ["HostCpuHigh", "cpu"],
    ["HostMemoryHigh", "memory"],
    ["HostDiskHigh", "disk"],
    ["HostLoadHigh", "load"],
  ] as const) {
    for (const severity of ["warning", "critical"] as const) {
      const rule = by(name, severity);
      assert.ok(rule.expr.endsWith(` > ${spec.thresholds[key][severity]}`), `${name} ${severity}: ${rule.expr}`);
      assert.equal(rule.for, spec.thresholds[key].for, `${name} ${severity}`);
      assert.deepEqual(rule.labels, { severity, environment: "staging" });
    }
  }
  assert.match(by("HostCpuHigh", "warning").expr, /rate\(node_cpu_seconds_total\{job="node",mode="idle"\}\[2m\]\)/);
  assert.match(hostRuleGroups(specWith("", "1m")).flatMap((g) => g.rules).map((r) => r.expr).join("\n"), /mode="idle"\}\[4m\]/);
  const down = by("HostDown", "critical");
  assert.equal(down.expr, `max by (host) (up{job="node"}) == 0`);
  assert.equal(down.for, "45s");
  const fill = by("HostDiskWillFill", "warning");
  assert.match(fill.expr, /predict_linear\(node_filesystem_avail_bytes\{[^}]*\}\[3h\], 43200\)\) < 0\n/);
  assert.match(fill.expr, /\) > 60\n/);
  assert.match(fill.expr, /node_filesystem_readonly\{[^}]*\}\) == 0$/);
  assert.match(fill.annotations.summary!, /will fill within 12h/);
  assert.deepEqual(
    rules.map((r) => `${r.alert}/${r.labels.severity}`),
    [
      "HostDown/critical",
      "HostCpuHigh/warning",
      "HostCpuHigh/critical",
      "HostMemoryHigh/warning",
      "HostMemoryHigh/critical",
      "HostLoadHigh/warning",
      "HostLoadHigh/critical",
      "HostDiskHigh/warning",
      "HostDiskHigh/critical",
      "HostDiskWillFill/warning",
      "HostSystemdUnitFailed/critical",
      "HostSystemdUnitFailed/warning",
    ],
  );
  assert.deepEqual(hostRuleGroups(spec).map((g) => g.name), ["vigil-host"]);
});

test("monitored nodes: node-role hosts while node_exporter is on, none when it is off", () => {
  const spec = specWith("");
  assert.deepEqual(monitoredNodes(spec).map((h) => h.name), ["app-1", "hub-1"]);
  const off = specWith("stack: { nodeExporter: { enabled: false } }", "15s", "15s", false);
  assert.deepEqual(monitoredNodes(off), []);
  assert.deepEqual(agentRuleGroups(off), []);
  // Without watched units, HostSystemdUnitFailed is the warning for any failed unit only.
  assert.deepEqual(alerts(hostRuleGroups(off)).filter((r) => r.alert === "HostSystemdUnitFailed").map((r) => r.labels.severity), ["warning"]);
});

test("uptime alerts: slow only for checks with latencyMs, TLS warning only above 3 days, critical for any sslExpiryDays", () => {
  assert.deepEqual(uptimeRuleGroups(specWith("")), []);
  const spec = specWith(SLOS);
  const rules = alerts(uptimeRuleGroups(spec));
  assert.deepEqual(
    rules.map((r) => `${r.alert}/${r.labels.severity}/${r.for}`),
    ["UptimeProbeFailed/critical/45s", "UptimeProbeSlow/warning/45s", "TlsCertificateExpiring/warning/45s", "TlsCertificateExpiring/critical/45s"],
  );
  const [failed, slow, warning, critical] = rules;
  assert.equal(failed!.expr, `max by (check) (probe_success{job="uptime"}) == 0\nor\nmax by (check) (up{job="uptime"}) == 0`);
  assert.match(slow!.expr, /avg_over_time\(probe_duration_seconds\{job="uptime",check="api"\}\[5m\]\)\) > 0\.5\n/);
  assert.doesNotMatch(slow!.expr, /sip/);
  // legacy's 2 days are under the critical bound: no warning clause for it.
  const warningClauses = warning!.expr.split("\nor\n");
  assert.equal(warningClauses.length, 2);
  assert.match(warningClauses[0]!, /check="api"\}\) - time\(\) < 1209600\nand on \(check\) .* >= 259200$/);
  assert.match(warningClauses[1]!, /check="shop"\}\) - time\(\) < 2592000\nand on \(check\) .* >= 259200$/);
  assert.equal(critical!.expr.split("\nor\n").length, 3);
  assert.match(critical!.expr, /check="legacy"\}\) - time\(\) < 259200\nor\n/);
  // What the on-call reads: the time left, and where the critical bound is.
  assert.deepEqual(warning!.annotations, {
    summary: "TLS certificate of {{ $labels.check }} expires in {{ $value | humanizeDuration }}",
    description: "A certificate in the chain served to the probe expires within the check's sslExpiryDays; critical below 3 days.",
  });
  assert.deepEqual(critical!.annotations, {
    summary: "TLS certificate of {{ $labels.check }} expires in {{ $value | humanizeDuration }}",
    description: "A certificate in the chain served to the probe expires within 3 days (or has expired).",
  });
  const noTls = specWith(`uptime:
  - name: plain
    url: https://plain.example.test/
`);
  assert.deepEqual(alerts(uptimeRuleGroups(noTls)).map((r) => r.alert), ["UptimeProbeFailed"]);
});

test("watchdog: one always-firing info alert", () => {
  const groups = watchdogRuleGroups(specWith(""));
  assert.deepEqual(groups.map((g) => g.name), ["vigil-watchdog"]);
  assert.deepEqual(alerts(groups).map((r) => [r.alert, r.expr, r.labels, r.for]), [[WATCHDOG_ALERT, "vector(1)", { severity: "info", environment: "staging" }, undefined]]);
  assert.equal(WATCHDOG_ALERT, "VigilWatchdog");
  const [watchdog] = alerts(groups);
  assert.equal(watchdog!.annotations.summary, "vigil's alerting pipeline is alive");
  assert.match(watchdog!.annotations.description!, /^Always firing\. A heartbeat service expects it .* raises its own alarm when it stops/);
});

test("every rule of every family is valid PromQL", () => {
  const spec = specWith(SLOS);
  const groups = [...hostRuleGroups(spec), ...agentRuleGroups(spec), ...uptimeRuleGroups(spec), ...sloRuleGroups(spec), ...watchdogRuleGroups(spec)];
  assert.ok(groups.flatMap((g) => g.rules).length > 60);
  for (const rule of groups.flatMap((g) => g.rules)) {
    const name = "alert" in rule ? rule.alert : rule.record;
    assert.equal(promqlError(rule.expr), undefined, `${name}: ${rule.expr}`);
  }
});

/** A spec of just these hosts (YAML flow mappings) and one webhook route. */
function specOf(hosts: string[], extra = ""): Spec {
  const loaded = loadSpecText(
    `version: 1
environment: staging
project: vigil
region: fra1
hosts:
${hosts.map((h) => `  - ${h}`).join("\n")}
alerts:
  receivers:
    ops: { webhook: { url: "http://127.0.0.1:9/alerts" } }
  routes:
    - { severity: critical, to: [ops] }
${extra}`,
    "rule-model.yaml",
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
}

test("self alerts: none without a hub; the Alertmanager pair check only for two hubs", () => {
  assert.deepEqual(selfRuleGroups(specOf(["{ name: app-1, roles: [node] }"])), []);
  const one = alerts(selfRuleGroups(specWith("")));
  assert.ok(one.length > 0);
  assert.ok(!one.some((r) => r.alert === "AlertmanagerClusterDegraded"));
  const pair = alerts(selfRuleGroups(specOf(["{ name: app-1, roles: [node] }", "{ name: hub-a, roles: [hub] }", "{ name: hub-b, roles: [hub] }"])));
  const degraded = pair.filter((r) => r.alert === "AlertmanagerClusterDegraded");
  assert.equal(degraded.length, 1);
  assert.equal(degraded[0]!.expr, `min by (host) (alertmanager_cluster_members{job="alertmanager"}) < 2`);
  assert.equal(degraded[0]!.for, "45s");
  assert.deepEqual(degraded[0]!.labels, { severity: "warning", environment: "staging" });
  assert.equal(degraded[0]!.annotations.summary, "Alertmanager on {{ $labels.host }} sees {{ $value }} of the 2 pair members");
  assert.match(degraded[0]!.annotations.description!, /^The Alertmanager pair's gossip is broken for 45s: silences .* both hubs may notify the same alert, and a silence set on one does not reach the other\.$/);
  assert.equal(promqlError(degraded[0]!.expr), undefined);
});

test("host system alerts: none without a monitored node", () => {
  assert.deepEqual(hostSystemRuleGroups(specOf(["{ name: hub-1, roles: [hub] }"])), []);
  assert.ok(alerts(hostSystemRuleGroups(specWith(""))).length > 0);
});

test("systemd unit alerts: services of a host as one alternation; no unless clause without watched units", () => {
  const spec = specOf(["{ name: app-1, roles: [node], services: [nginx, postgresql] }", "{ name: hub-1, roles: [hub] }"]);
  const [critical] = alerts(hostRuleGroups(spec)).filter((r) => r.alert === "HostSystemdUnitFailed" && r.labels.severity === "critical");
  assert.match(critical!.expr, /state="active",name=~"nginx\[\.\]service\|postgresql\[\.\]service"\}/);
  // Without node_exporter there is no monitored node: the catch-all warning stands alone.
  const off = specOf(["{ name: hub-1, roles: [hub, node] }"], "stack:\n  nodeExporter: { enabled: false }\n");
  const catchAll = alerts(hostRuleGroups(off)).filter((r) => r.alert === "HostSystemdUnitFailed");
  assert.deepEqual(catchAll.map((r) => r.labels.severity), ["warning"]);
  for (const r of catchAll) {
    assert.doesNotMatch(r.expr, /unless/);
    assert.equal(promqlError(r.expr), undefined, r.expr);
  }
});

test("agent alerts: SQLite size only with databases, PM2 only with daemons, app clauses only for daemons that list apps", () => {
  const names = (spec: Spec) => alerts(agentRuleGroups(spec)).map((r) => r.alert);
  const pm2Only = specOf(["{ name: app-1, roles: [node], agent: { pm2: [{ user: deploy, apps: [api] }, { user: batch, apps: [] }] } }", "{ name: hub-1, roles: [hub] }"]);
  assert.ok(!names(pm2Only).includes("SqliteTooLarge"));
  const appDown = alerts(agentRuleGroups(pm2Only)).find((r) => r.alert === "Pm2AppDown");
  assert.match(appDown!.expr, /pm2_user="deploy"/);
  assert.doesNotMatch(appDown!.expr, /pm2_user="batch"/);
  const noApps = specOf(["{ name: app-1, roles: [node], agent: { pm2: [{ user: batch, apps: [] }] } }", "{ name: hub-1, roles: [hub] }"]);
  assert.ok(names(noApps).includes("Pm2DaemonDown"));
  assert.ok(!names(noApps).includes("Pm2AppDown"));
  const sqliteOnly = specOf(["{ name: app-1, roles: [node], agent: { sqlite: [{ path: /srv/a.db, maxSizeMB: 10 }] } }", "{ name: hub-1, roles: [hub] }"]);
  assert.ok(names(sqliteOnly).includes("SqliteTooLarge"));
  assert.ok(!names(sqliteOnly).some((n) => n.startsWith("Pm2")));
  for (const spec of [pm2Only, noApps, sqliteOnly]) for (const r of alerts(agentRuleGroups(spec))) assert.equal(promqlError(r.expr), undefined, r.expr);
});

test("TLS: a check whose sslExpiryDays is the critical bound gets no warning clause", () => {
  const spec = specWith(`uptime:
  - name: edge
    url: https://edge.example.test/
    sslExpiryDays: ${TLS_CRITICAL_DAYS}
`);
  assert.deepEqual(alerts(uptimeRuleGroups(spec)).map((r) => `${r.alert}/${r.labels.severity}`), ["UptimeProbeFailed/critical", "TlsCertificateExpiring/critical"]);
});

test("an SLO without an SLI (neither uptime nor both queries) is refused, not written as a broken rule", () => {
  const spec = specWith("");
  assert.throws(() => sloRuleGroupsFor(spec, slo({ errorQuery: "sum(rate(e[5m]))" })), /SLO "s" has no SLI/);
  assert.throws(() => sloRuleGroupsFor(spec, slo({ totalQuery: "sum(rate(t[5m]))" })), /SLO "s" has no SLI/);
});

test("custom rules: description and runbook written only when given", () => {
  const spec = specWith(`rules:
  - alert: QueueStuck
    expr: queue_depth > 100
    summary: the queue is stuck
`);
  const text = ruleFileYaml("custom", customRuleGroups(spec));
  assert.match(text, /alert: QueueStuck/);
  assert.doesNotMatch(text, /description:|runbook_url:/);
  const [rule] = alerts(customRuleGroups(spec));
  assert.ok(!("description" in rule!.annotations) && !("runbook_url" in rule!.annotations));
});
