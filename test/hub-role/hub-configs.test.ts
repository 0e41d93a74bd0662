// The rendered hub of every stacks/*.yaml, checked by the real tools: promtool check config (with
// every rule file), blackbox --config.check, and the composed alertmanager.yml through amtool
// check-config and amtool config routes test for every severity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { loopbackContext } from "../../provisioning/address-contexts.ts";
import { PROMETHEUS_CONFIG, RULES_DIR } from "../../provisioning/hub/prometheus.ts";
import { BLACKBOX_CONFIG } from "../../provisioning/hub/blackbox.ts";
import {
  ALERTMANAGER_TEMPLATE,
  alertmanagerSecrets,
  composeAndCheckScript,
  matcherValue,
  UNROUTED,
  type ComposePaths,
} from "../../provisioning/hub/alertmanager.ts";
import { budgetFraction } from "../../provisioning/rules/slo-rules.ts";
import { fileContent, hubSteps, loadSpec, requireTool, run, STACKS, tempDir, writeTree } from "./support.ts";

const stacks = readdirSync(STACKS).filter((f) => f.endsWith(".yaml")).sort();
const owner = `${userInfo().username}:${run("id", ["-gn"]).stdout.trim()}`;

/** Composes alertmanager.yml as the step does, with stand-in secret values; returns the script's result. */
function compose(spec: Spec, root: string, values: Record<string, string>): { status: number; output: string; paths: ComposePaths } {
  const secretsDir = join(root, "secrets");
  mkdirSync(secretsDir, { recursive: true });
  const { files, substituted } = alertmanagerSecrets(spec);
  for (const name of files) writeFileSync(join(secretsDir, name), values[name] ?? `stand-in-${name}`, { mode: 0o600 });
  for (const name of substituted) writeFileSync(join(secretsDir, name), values[name] ?? `https://stand-in.example.test/${name}`, { mode: 0o600 });
  const paths: ComposePaths = {
    template: join(root, ALERTMANAGER_TEMPLATE),
    secretsDir,
    candidate: join(root, "alertmanager.yml.vigil-candidate"),
    owner,
    amtool: "amtool",
  };
  const script = `set -euo pipefail\nvalidate_files() {\n${composeAndCheckScript(spec, paths)}\n}\nvalidate_files`;
  return { ...run("bash", ["-c", script]), paths };
}

for (const stack of stacks) {
  const spec = loadSpec(join(STACKS, stack));
  const steps = hubSteps(spec);

  test(`${stack}: promtool check config accepts prometheus.yml and every rule file`, () => {
    requireTool("promtool");
    const root = tempDir("prom");
    writeTree(steps, root);
    // prometheus.yml names its rule files by absolute path on the host: point them into root.
    const config = fileContent(steps, PROMETHEUS_CONFIG).replaceAll(`${RULES_DIR}/`, `${root}${RULES_DIR}/`);
    writeFileSync(join(root, PROMETHEUS_CONFIG), config);
    const { status, output } = run("promtool", ["check", "config", join(root, PROMETHEUS_CONFIG)]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 10 rule files found/);
    for (const family of ["host", "agent", "uptime", "slo", "self", "app", "logs", "custom", "heartbeat", "watchdog"]) {
      const rules = run("promtool", ["check", "rules", join(root, RULES_DIR, `${family}.yml`)]);
      assert.equal(rules.status, 0, rules.output);
    }
  });

  test(`${stack}: blackbox exporter accepts blackbox.yml`, () => {
    requireTool("prometheus-blackbox-exporter");
    const root = tempDir("bb");
    writeTree(steps, root);
    const { status, output } = run("prometheus-blackbox-exporter", ["--config.check", `--config.file=${join(root, BLACKBOX_CONFIG)}`]);
    assert.equal(status, 0, output);
  });

  test(`${stack}: the composed alertmanager.yml passes amtool, is 0600, and routes every severity as the spec says`, () => {
    requireTool("amtool");
    const root = tempDir("am");
    writeTree(steps, root);
    const url = "https://hooks.example.test/beat?a=1&b='x'";
    const { status, output, paths } = compose(spec, root, { heartbeatUrl: url });
    assert.equal(status, 0, output);
    assert.equal(statSync(paths.candidate).mode & 0o777, 0o600);
    const composed = readFileSync(paths.candidate, "utf8");
    if (alertmanagerSecrets(spec).substituted.length > 0) assert.ok(composed.includes(`url: 'https://hooks.example.test/beat?a=1&b=''x'''`), composed);
    assert.doesNotMatch(composed, /__VIGIL_SECRET_/);
    for (const severity of ["critical", "warning", "info"] as const) {
      const route = spec.alerts.routes.find((r) => (r.severity === undefined || r.severity === severity) && r.match === undefined);
      const expected = route ? route.to.join(",") : UNROUTED;
      const routed = run("amtool", ["config", "routes", "test", `--config.file=${paths.candidate}`, `severity=${severity}`, "alertname=HostDown", "host=x"]);
      assert.equal(routed.stdout.trim(), expected, `${severity}: ${routed.output}`);
    }
    const watchdog = run("amtool", ["config", "routes", "test", `--config.file=${paths.candidate}`, "alertname=VigilWatchdog", "severity=info"]);
    assert.equal(watchdog.stdout.trim(), spec.alerts.heartbeat ?? UNROUTED);
  });
}

test("prod: a critical alert goes to PagerDuty (oncall) and Slack (ops), a warning only to Slack", () => {
  requireTool("amtool");
  const spec = loadSpec(join(STACKS, "prod.yaml"));
  const root = tempDir("am-prod");
  writeTree(hubSteps(spec), root);
  const { status, output, paths } = compose(spec, root, {});
  assert.equal(status, 0, output);
  const routes = (labels: string[]) => run("amtool", ["config", "routes", "test", `--config.file=${paths.candidate}`, ...labels]).stdout.trim();
  assert.equal(routes(["severity=critical", "alertname=SloErrorBudgetBurn", "slo=api-availability"]), "oncall,ops");
  assert.equal(routes(["severity=warning", "alertname=HostDiskHigh", "host=app-1"]), "ops");
  assert.equal(routes(["severity=info", "alertname=Something"]), "mail");
  assert.equal(routes(["severity=info", "alertname=VigilWatchdog"]), "heartbeat");
});

test("a webhook secret amtool rejects: the step fails, no candidate is left, the secret is not printed", () => {
  requireTool("amtool");
  const spec = loadSpec(join(STACKS, "prod.yaml"));
  const root = tempDir("am-bad");
  writeTree(hubSteps(spec), root);
  const secret = "ftp://s3cr3t-token@hooks.example.test/x";
  const { status, output, paths } = compose(spec, root, { heartbeatUrl: secret });
  assert.notEqual(status, 0);
  assert.ok(!output.includes("s3cr3t"), output);
  assert.equal(existsSync(paths.candidate), false);
  const second = tempDir("am-nl");
  writeTree(hubSteps(spec), second);
  const multiline = compose(spec, second, { heartbeatUrl: "https://a.test/\nx: y" });
  assert.notEqual(multiline.status, 0);
  assert.match(multiline.output, /one-line webhook URL/);
});

test("a webhook secret is shown to amtool only in its own field; amtool's message with a stand-in is shown, with the secret never", () => {
  requireTool("amtool");
  // A match value and the e-mail user name that quote the placeholder stay what they are.
  const text = readFileSync(join(STACKS, "prod.yaml"), "utf8")
    .replace("username: vigil,", "username: \"'__VIGIL_SECRET_heartbeatUrl__'\",")
    .replace("- { severity: info, to: [mail], repeat: 24h }", "- { severity: info, to: [mail], repeat: 24h, match: { forged: \"__VIGIL_SECRET_heartbeatUrl__\" } }");
  const loaded = loadSpecText(text, "forged.yaml");
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  const root = tempDir("am-forged");
  writeTree(hubSteps(loaded.spec), root);
  const secret = "https://hooks.example.test/s3cr3t-beat";
  const { status, output, paths } = compose(loaded.spec, root, { heartbeatUrl: secret });
  assert.equal(status, 0, output);
  const composed = readFileSync(paths.candidate, "utf8");
  assert.equal(composed.split(secret).length - 1, 1, composed);
  assert.match(composed, /auth_username: "'__VIGIL_SECRET_heartbeatUrl__'"/);
  assert.match(composed, /forged="__VIGIL_SECRET_heartbeatUrl__"/);
  // A secret amtool refuses in its field: its message is withheld, whatever it quotes.
  for (const bad of ["https://s3cr3t host/x", "s3cr3t%zz://x", "ftp://s3cr3t-token@hooks.example.test/x"]) {
    const again = tempDir("am-refused");
    writeTree(hubSteps(loaded.spec), again);
    const refused = compose(loaded.spec, again, { heartbeatUrl: bad });
    assert.notEqual(refused.status, 0, bad);
    assert.doesNotMatch(refused.output, /s3cr3t/);
    assert.match(refused.output, /amtool rejects alertmanager\.yml with the value of secret heartbeatUrl/);
  }
});

test("matcher values reach Alertmanager as written: tabs, quotes, backslashes, commas, braces, newlines (amtool config routes test)", () => {
  requireTool("amtool");
  const values = ["a\tb", 'say "hi"', "back\\slash", "trailing\\", "a,b", "{x}", "x}", "{", 'x="y",z', "line\nbreak", "=~!", "\\n"];
  const routes = values.map((v) => `    - { to: [mail], match: { team: ${JSON.stringify(v)} } }\n`).join("");
  const text = readFileSync(join(STACKS, "prod.yaml"), "utf8").replace("  routes:\n", `  routes:\n${routes}`);
  const loaded = loadSpecText(text, "matchers.yaml");
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  const root = tempDir("am-matchers");
  writeTree(hubSteps(loaded.spec), root);
  const { status, output, paths } = compose(loaded.spec, root, {});
  assert.equal(status, 0, output);
  const routed = (value: string) =>
    run("amtool", ["config", "routes", "test", `--config.file=${paths.candidate}`, "severity=none", `team=${value}`]).stdout.trim();
  for (const v of values) {
    assert.equal(routed(matcherValue(v)), "mail", `team=${JSON.stringify(v)}`);
    // JSON's escaping (\t, \u....) is not Alertmanager's: such a value is another value.
    const json = JSON.stringify(v);
    if (json !== matcherValue(v)) assert.equal(routed(json), UNROUTED, `JSON-escaped ${json}`);
  }
  assert.equal(routed(matcherValue("a b")), UNROUTED);
});

test("secrets are files owned by prometheus, 0600, and never in the plan", () => {
  const spec = loadSpec(join(STACKS, "prod.yaml"));
  const files = hubSteps(spec).flatMap((s) => s.files);
  const secretFiles = files.filter((f) => f.secret !== undefined);
  assert.deepEqual(secretFiles.map((f) => f.secret).sort(), ["heartbeatUrl", "pagerdutyRoutingKey", "slackWebhook", "smtpPassword"]);
  for (const f of secretFiles) {
    assert.equal(f.mode, "0600");
    assert.equal(f.owner, "prometheus:prometheus");
    assert.equal(f.content, undefined);
  }
  const template = fileContent(hubSteps(spec), ALERTMANAGER_TEMPLATE);
  assert.match(template, /routing_key_file: \/etc\/prometheus\/vigil-secrets\/pagerdutyRoutingKey/);
  assert.match(template, /api_url_file: /);
  assert.match(template, /auth_password_file: /);
});

test("one machine (loopback): every hub service on 127.0.0.1, distinct ports, no gossip; node_exporter scraped on 127.0.0.1:9100", () => {
  const spec = loadSpec(join(STACKS, "dev.yaml"));
  const steps = hubSteps(spec, loopbackContext(spec));
  const args = (path: string) => fileContent(steps, path);
  assert.match(args("/etc/default/prometheus"), /--web\.listen-address=127\.0\.0\.1:9090/);
  assert.match(args("/etc/default/prometheus-alertmanager"), /--web\.listen-address=127\.0\.0\.1:9093 --cluster\.listen-address="/);
  assert.match(args("/etc/default/prometheus-blackbox-exporter"), /--web\.listen-address=127\.0\.0\.1:9115/);
  assert.match(fileContent(steps, PROMETHEUS_CONFIG), /targets:\n\s+- 127\.0\.0\.1:9100\n\s+labels:\n\s+host: dev-1/);
});

test("a hub pair: Alertmanagers gossip on the private addresses, each Prometheus alerts both", () => {
  const text = readFileSync(join(STACKS, "prod.yaml"), "utf8").replace("    roles: [hub]\n", "    roles: [hub]\n  - name: monitor-2\n    roles: [hub]\n");
  const loaded = loadSpecText(text, "pair.yaml");
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.errors));
  const spec = loaded.spec;
  const ctx = { privateAddress: { "app-1": "10.20.0.2", monitor: "10.20.0.3", "monitor-2": "10.20.0.4" } };
  const steps = hubSteps(spec, ctx, "monitor");
  assert.equal(
    fileContent(steps, "/etc/default/prometheus-alertmanager").split("\n").find((l) => l.startsWith("ARGS=")),
    'ARGS="--web.listen-address=127.0.0.1:9093 --web.listen-address=10.20.0.3:9093 --cluster.listen-address=10.20.0.3:9094 --cluster.peer=10.20.0.4:9094"',
  );
  assert.match(fileContent(steps, PROMETHEUS_CONFIG), /- 127\.0\.0\.1:9093\n\s+- 10\.20\.0\.4:9093/);
});

test("objective 100 is rejected with a clear error (no infinite burn rate)", () => {
  const text = readFileSync(join(STACKS, "dev.yaml"), "utf8").replace("objective: 99\n", "objective: 100\n");
  const loaded = loadSpecText(text, "dev.yaml");
  assert.equal(loaded.ok, false);
  assert.ok(!loaded.ok && loaded.errors.some((e) => e.path.includes("objective")), JSON.stringify(!loaded.ok && loaded.errors));
  assert.throws(() => budgetFraction({ name: "x", objective: 100, window: "30d", minEventsPerHour: 0 }), /no error budget/);
});
