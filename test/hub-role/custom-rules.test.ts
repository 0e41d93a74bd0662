// Custom alert rules (`rules:`): their own rule file with vigil's labels, values placed as data
// (hostile text stays text), and `vigil test` running the user's promtool tests for real.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import { ruleFiles } from "../../provisioning/hub/prometheus.ts";
import { runVigil } from "../run-vigil.ts";
import { requireTool, run, STACKS } from "./support.ts";
import { scratchDir } from "../scratch-dir.ts";

const prodText = readFileSync(join(STACKS, "prod.yaml"), "utf8");

/** prod.yaml with its `rules:` replaced. */
function withRules(rules: unknown[]): string {
  const doc = parse(prodText) as Record<string, unknown>;
  doc.rules = rules;
  return stringify(doc);
}

test("custom rules go to custom.yml with severity, environment, their labels and annotations", () => {
  const r = loadSpecText(prodText, "prod.yaml");
  assert.ok(r.ok);
  const file = ruleFiles(r.spec).find((f) => f.path === "/etc/prometheus/vigil-rules/custom.yml");
  assert.ok(file);
  const doc = parse(file.content) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
  assert.deepEqual(doc.groups.map((g) => g.name), ["vigil-custom"]);
  const byName = new Map(doc.groups[0]!.rules.map((rule) => [rule.alert, rule]));
  assert.deepEqual([...byName.keys()], ["AppLatencyHigh", "AppErrorRatioHigh", "AppEventLoopLagHigh"]);
  const errors = byName.get("AppErrorRatioHigh")!;
  assert.deepEqual(errors.labels, { severity: "critical", environment: "prod", team: "backend" });
  assert.equal(errors.for, "5m");
  assert.equal((byName.get("AppLatencyHigh")!.annotations as Record<string, string>).runbook_url, "https://wiki.dcg.example.com/runbooks/app-latency");
});

test("a rule without `for` waits the confirm window; a spec without rules gets an empty custom.yml", () => {
  const r = loadSpecText(withRules([{ alert: "QueueLong", expr: "queue_size > 500", summary: "queue" }]), "x.yaml");
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  const rule = (parse(ruleFiles(r.spec).find((f) => f.path.endsWith("/custom.yml"))!.content) as { groups: { rules: Record<string, unknown>[] }[] }).groups[0]!.rules[0]!;
  assert.equal(rule.for, "45s"); // alerts.confirm (3) x intervals.evaluation (15s)
  assert.deepEqual(rule.labels, { severity: "warning", environment: "prod" });
  const none = loadSpecText(withRules([]), "y.yaml");
  assert.ok(none.ok);
  assert.deepEqual(parse(ruleFiles(none.spec).find((f) => f.path.endsWith("/custom.yml"))!.content), { groups: [] });
});

test("hostile values stay data: YAML-breaking text in summary and labels, and PromQL that tries to close the query", () => {
  // Summary and label values are one line (a newline is refused at validate, below); YAML and
  // template syntax on that line stays data.
  const evil = 'x": - alert: Injected, expr: vector(1) {{ printf "%s" "}}" }} # ]';
  const multiline = loadSpecText(withRules([{ alert: "Hostile", expr: "up == 0", summary: 'x"\n  - alert: Injected', labels: { team: "a\nb" } }]), "multiline.yaml");
  assert.ok(!multiline.ok);
  assert.deepEqual(multiline.errors.map((e) => e.path).sort(), ["rules[0].labels.team", "rules[0].summary"]);
  const r = loadSpecText(
    withRules([{ alert: "Hostile", expr: 'up{job="a\\"}) or vector(1) #"} == 0', summary: evil, description: "']\n\u0000?", labels: { team: evil } }]),
    "hostile.yaml",
  );
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  const doc = parse(ruleFiles(r.spec).find((f) => f.path.endsWith("/custom.yml"))!.content) as { groups: { rules: Record<string, unknown>[] }[] };
  assert.equal(doc.groups[0]!.rules.length, 1);
  const rule = doc.groups[0]!.rules[0]!;
  assert.equal(rule.expr, 'up{job="a\\"}) or vector(1) #"} == 0');
  assert.equal((rule.annotations as Record<string, string>).summary, evil);
  assert.equal((rule.labels as Record<string, string>).team, evil);
  for (const expr of ['up{job="app"} == 0) or vector(1', "up == 0\n- alert: Injected", "up # comment", "sum(rate(x[5m])"]) {
    const bad = loadSpecText(withRules([{ alert: "Bad", expr, summary: "s" }]), "bad.yaml");
    assert.ok(!bad.ok, expr);
    assert.ok(bad.errors.some((e) => e.path === "rules[0].expr"), `${expr}: ${JSON.stringify(bad.errors)}`);
  }
});

test("vigil test stacks/prod.yaml runs prod.tests.yml against the generated rules", async () => {
  requireTool("promtool");
  const r = await runVigil(["test", "stacks/prod.yaml"], { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /promtool check rules: \d+ rule files ok \(3 custom rules\)/);
  assert.match(r.stdout, /stacks\/prod\.tests\.yml: promtool test rules: ok/);
});

test("vigil test fails on a test that does not hold, a rule file vigil does not make, and a missing file", async () => {
  requireTool("promtool");
  const dir = scratchDir("vigil-test-cmd-");
  const wrong = join(dir, "wrong.yml");
  writeFileSync(
    wrong,
    stringify({
      rule_files: ["custom.yml"],
      tests: [
        {
          interval: "15s",
          input_series: [{ series: 'nodejs_eventloop_lag_p99_seconds{job="app",host="app-1",app="dcg-api"}', values: "0.01x40" }],
          alert_rule_test: [{ eval_time: "8m", alertname: "AppEventLoopLagHigh", exp_alerts: [{ exp_labels: { severity: "warning", environment: "prod", host: "app-1", app: "dcg-api" } }] }],
        },
      ],
    }),
  );
  const failing = await runVigil(["test", "stacks/prod.yaml", wrong], { timeoutMs: 300_000 });
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, new RegExp(`${wrong}: promtool test rules failed`));
  assert.match(failing.stderr, /AppEventLoopLagHigh/);

  const unknown = join(dir, "unknown.yml");
  writeFileSync(unknown, stringify({ rule_files: ["../../etc/passwd"], tests: [] }));
  const r2 = await runVigil(["test", "stacks/prod.yaml", unknown], { timeoutMs: 300_000 });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /is not a rule file vigil generates/);

  const r3 = await runVigil(["test", "stacks/prod.yaml", join(dir, "absent.yml")]);
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /no such file/);

  // dev has no dev.tests.yml: the rule files are still checked, and that is a success
  const dev = await runVigil(["test", "stacks/dev.yaml"], { timeoutMs: 300_000 });
  assert.equal(dev.code, 0, dev.stderr);
  assert.match(dev.stdout, /no rule tests/);
});

test("promtool check rules accepts custom.yml of a spec with hostile summaries (templates stay valid)", () => {
  requireTool("promtool");
  const r = loadSpecText(withRules([{ alert: "Quoted", expr: "up == 0", summary: "it's \"down\": {{ $labels.host }} ]]} #", labels: { note: "a: b" } }]), "q.yaml");
  assert.ok(r.ok);
  const dir = scratchDir("vigil-custom-");
  writeFileSync(join(dir, "custom.yml"), ruleFiles(r.spec).find((f) => f.path.endsWith("/custom.yml"))!.content);
  const check = run("promtool", ["check", "rules", join(dir, "custom.yml")]);
  assert.equal(check.status, 0, check.output);
});
