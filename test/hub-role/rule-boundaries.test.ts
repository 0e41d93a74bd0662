// `promtool test rules` at the edges of three computed bounds, on rules rendered from specs
// written out here (every input the expected times depend on is in this file):
// - the burn-factor floor of slo-rules.ts (a factor never below 1) for a 7-day SLO, where the
//   workbook table would give the ticket pairs factors 0.7 and 0.23;
// - the TLS warning bound of uptime-rules.ts at exactly sslExpiryDays (and the critical bound at
//   exactly 3 days);
// - the disk-fill lookback of host-rules.ts, a quarter of diskFillHours clamped to 1h..1d, at both
//   clamps (diskFillHours 2 → 1h, not 30m; diskFillHours 168 → 1d, not 42h).
// Each alert's `for` is read from the rendered rule and every expected time is offset by it, so
// these cases hold whatever `for` the rules use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { ruleFiles } from "../../provisioning/hub/prometheus.ts";
import { requireTool, run, tempDir, withoutAnnotations } from "./support.ts";

/** A spec with one hub and the given extra top-level YAML (thresholds, uptime, slos). */
function specWith(extra: string): Spec {
  const text = `version: 1
environment: test
project: vigil
region: fra1
hosts:
  - name: hub-1
    roles: [node, hub]
intervals: { scrape: 15s, evaluation: 15s }
alerts:
  receivers:
    ops: { webhook: { url: "http://127.0.0.1:9/alerts" } }
  routes:
    - { severity: critical, to: [ops] }
${extra}`;
  const loaded = loadSpecText(text, "rule-boundaries.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
}

interface RuleDoc {
  groups: { name: string; rules: { alert?: string; for?: string }[] }[];
}

/** The rendered rule file of a family, without annotations, and the `for` of `alert` in it. */
function rulesOf(spec: Spec, family: string, alert: string): { content: string; forSeconds: number } {
  const file = ruleFiles(spec).find((f) => f.path.endsWith(`/${family}.yml`));
  assert.ok(file, `no ${family}.yml rule file`);
  const content = withoutAnnotations(file.content);
  const fors = new Set(
    (parse(content) as RuleDoc).groups.flatMap((g) => g.rules.filter((r) => r.alert === alert).map((r) => (r.for === undefined ? 0 : durationSeconds(r.for)))),
  );
  assert.equal(fors.size, 1, `${alert} rules should share one for: ${[...fors].join(", ")}`);
  return { content, forSeconds: [...fors][0]! };
}

const minutes = (m: number): string => formatDuration(Math.round(m * 60));

interface AlertCase {
  eval_time: string;
  alertname: string;
  exp_alerts: { exp_labels: Record<string, string> }[];
}

/** Writes the rule file and the test file, runs promtool test rules, fails with its output. */
function promtoolTest(name: string, rules: string, doc: { evaluation_interval: string; tests: object[] }): void {
  requireTool("promtool");
  const dir = tempDir(`boundaries-${name}`);
  mkdirSync(join(dir, "rules"));
  writeFileSync(join(dir, "rules", `${name}.yml`), rules);
  writeFileSync(join(dir, `${name}.promtool.yaml`), stringify({ rule_files: [`rules/${name}.yml`], ...doc }));
  const { status, output } = run("promtool", ["test", "rules", `${name}.promtool.yaml`], { cwd: dir });
  assert.equal(status, 0, output);
}

test("burn-factor floor: a 7-day SLO's ticket pairs need more than 1x the budget, not 0.7x or 0.23x", () => {
  // Objective 99 over 7d: budget 1%. Workbook factors share × 168h / long window: 1h/5m 3.36,
  // 6h/30m 1.4, 1d/2h 0.7 → 1, 3d/6h 0.23 → 1. So 0.9% errors (the budget lasts the window) is
  // quiet, and 1.1% raises both ticket pairs but neither page pair (1.4% and 3.36%).
  const spec = specWith(`slos:
  - name: orders
    objective: 99
    window: 7d
    minEventsPerHour: 0
    errorQuery: sum(rate(http_requests_total{job="orders",code=~"5.."}[{{window}}]))
    totalQuery: sum(rate(http_requests_total{job="orders"}[{{window}}]))
`);
  const { content, forSeconds } = rulesOf(spec, "slo", "SloErrorBudgetBurn");
  const F = forSeconds / 60;
  // 1000 requests a minute from t=0 at a constant error ratio: every window holds the same ratio
  // once it has two samples, so 2h (plus the alert's for) is well past any window warm-up.
  const at = (errorsPerMinute: number) => [
    { series: 'http_requests_total{job="orders",code="200"}', values: `0+${1000 - errorsPerMinute}x${300 + F}` },
    { series: 'http_requests_total{job="orders",code="500"}', values: `0+${errorsPerMinute}x${300 + F}` },
  ];
  const ticket = (long: string, short: string) => ({
    exp_labels: { severity: "warning", environment: "test", slo: "orders", long_window: long, short_window: short },
  });
  promtoolTest("slo-floor", content, {
    evaluation_interval: "1m",
    tests: [
      {
        name: "0.9% errors: below the budget, no pair fires",
        interval: "1m",
        input_series: at(9),
        alert_rule_test: [2 * 60 + F, 4 * 60 + F].map((m) => ({ eval_time: minutes(m), alertname: "SloErrorBudgetBurn", exp_alerts: [] })),
      },
      {
        name: "1.1% errors: 1d/2h and 3d/6h (factor 1), not 6h/30m (1.4) or 1h/5m (3.36)",
        interval: "1m",
        input_series: at(11),
        alert_rule_test: [
          { eval_time: minutes(2 * 60 + F), alertname: "SloErrorBudgetBurn", exp_alerts: [ticket("1d", "2h"), ticket("3d", "6h")] },
        ],
      },
    ],
  });
});

test("TLS: warning from just under sslExpiryDays (not at exactly 14 days), critical from just under 3 days", () => {
  const spec = specWith(`uptime:
  - name: shop
    url: https://shop.example.test/
    sslExpiryDays: 14
`);
  const { content, forSeconds } = rulesOf(spec, "uptime", "TlsCertificateExpiring");
  const F = forSeconds / 60;
  // The certificate's expiry is a constant timestamp; time() is the evaluation time. With expiry
  // = D days + T, exactly D days are left at t = T and less from T + 1m on.
  // 14 days: the warning's strict bound becomes true at T + 1m and fires at T + 1m + for; an
  // inclusive bound would already fire at T + for.
  // 3 days: the warning has held since t = 0 and still holds at T (its lower bound includes 3
  // days); the critical bound becomes true at T + 1m only, so nothing fires at T + for.
  const T = F + 10;
  const expiringAt = (days: number) => [
    {
      series: 'probe_ssl_earliest_cert_expiry{job="uptime",check="shop",instance="https://shop.example.test/"}',
      values: `${days * 86400 + T * 60}x${T + F + 30}`,
    },
  ];
  const alert = (severity: string) => ({ exp_labels: { severity, environment: "test", check: "shop" } });
  const tls = (m: number, exp: AlertCase["exp_alerts"]): AlertCase => ({ eval_time: minutes(m), alertname: "TlsCertificateExpiring", exp_alerts: exp });
  promtoolTest("tls-bounds", content, {
    evaluation_interval: "1m",
    tests: [
      {
        name: "exactly 14 days left is not yet a warning; 14 days minus a minute is",
        interval: "1m",
        input_series: expiringAt(14),
        alert_rule_test: [tls(T, []), tls(T + F, []), tls(T + 1 + F, [alert("warning")]), tls(T + 10 + F, [alert("warning")])],
      },
      {
        name: "exactly 3 days left is still a warning, not critical; 3 days minus a minute is critical only",
        interval: "1m",
        input_series: expiringAt(3),
        alert_rule_test: [tls(T, [alert("warning")]), tls(T + F, []), tls(T + 1 + F, [alert("critical")]), tls(T + 10 + F, [alert("critical")])],
      },
    ],
  });
});

const disk = (host: string, filesystem: { size: number; availValues: string }) => {
  const labels = `job="node",host="${host}",instance="${host}:9100",device="/dev/vda1",fstype="ext4",mountpoint="/"`;
  return [
    { series: `node_filesystem_avail_bytes{${labels}}`, values: filesystem.availValues },
    { series: `node_filesystem_size_bytes{${labels}}`, values: `${filesystem.size}x2000` },
    { series: `node_filesystem_readonly{${labels}}`, values: "0x2000" },
  ];
};
const willFill = { exp_labels: { severity: "warning", environment: "test", host: "hub-1", mountpoint: "/" } };

test("disk-fill lookback, lower clamp: diskFillHours 2 fits its line over 1h, not over 30m", () => {
  const spec = specWith(`thresholds:
  diskFillHours: 2
`);
  const { content, forSeconds } = rulesOf(spec, "host", "HostDiskWillFill");
  const F = forSeconds / 60;
  // 100 GB disk, 11 GB free (89% used) and flat for 60m, then losing 100 MB a minute. A line
  // through the last 1h first reaches 0 within 2h at 60m + 37m; a line through the last 30m
  // (what diskFillHours / 4 would give without the clamp) already at 60m + 21m.
  // (Least squares over one sample a minute, as predict_linear computes it.)
  const T = 60;
  promtoolTest("disk-fill-low", content, {
    evaluation_interval: "1m",
    tests: [
      {
        name: "a fill that starts at 60m is reported after the 1h line crosses (97m), not the 30m line (81m)",
        interval: "1m",
        input_series: disk("hub-1", { size: 100e9, availValues: `11000000000x${T} 10900000000-100000000x${60 + F + 30}` }),
        alert_rule_test: [
          { eval_time: minutes(T + 30 + F), alertname: "HostDiskWillFill", exp_alerts: [] },
          { eval_time: minutes(T + 40 + F), alertname: "HostDiskWillFill", exp_alerts: [willFill] },
        ],
      },
    ],
  });
});

test("disk-fill lookback, upper clamp: diskFillHours 168 fits its line over 1d, not over 42h", () => {
  const spec = specWith(`thresholds:
  diskFillHours: 168
`);
  const { content, forSeconds } = rulesOf(spec, "host", "HostDiskWillFill");
  const F = forSeconds / 60;
  // 1000 GB disk, 195 GB free (80.5% used) and flat for 42h, then losing 1 GB an hour. A line
  // through the last 1d reaches 0 within 168h from 42h + 27.1h on; one through the last 42h
  // (a quarter of 168h without the clamp) only from 42h + 36.3h. Samples every 5m.
  const T = 42 * 60;
  const steps = (m: number) => Math.round(m / 5);
  promtoolTest("disk-fill-high", content, {
    evaluation_interval: "5m",
    tests: [
      {
        name: "a slow fill from 42h is reported after the 1d line crosses (69.1h), well before the 42h line (78.3h)",
        interval: "5m",
        input_series: disk("hub-1", {
          size: 1000e9,
          availValues: `195000000000x${steps(T)} 194916666667-83333333.33x${steps(31 * 60 + F)}`,
        }),
        alert_rule_test: [
          { eval_time: minutes(T + 26 * 60 + F), alertname: "HostDiskWillFill", exp_alerts: [] },
          { eval_time: minutes(T + 30 * 60 + F), alertname: "HostDiskWillFill", exp_alerts: [willFill] },
        ],
      },
    ],
  });
});
