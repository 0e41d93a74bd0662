// remoteWrite: the spec field, its checks, and the remote_write section of prometheus.yml judged
// by promtool; hostile values stay data. (The real store, VictoriaMetrics, is in test/e2e/fleet.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { stepSecrets } from "../../provisioning/plan.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { PROMETHEUS_CONFIG, RULES_DIR } from "../../provisioning/hub/prometheus.ts";
import { SECRETS_DIR } from "../../provisioning/hub/hub-secrets.ts";
import { fileContent, hubSteps, requireTool, run, tempDir, writeTree } from "./support.ts";

const base = (remoteWrite: string) => `version: 1
environment: prod
project: p
region: fra1
hosts:
  - { name: app-1, roles: [node] }
  - { name: monitor, roles: [hub] }
alerts:
  receivers: { hook: { webhook: { url: "https://hooks.example.com/a" } } }
  routes: [{ to: [hook] }]
${remoteWrite}`;

function load(text: string): Spec {
  const r = loadSpecText(text, "rw.yaml");
  assert.ok(r.ok, r.ok ? "" : formatErrors(r.errors));
  return r.spec;
}

function errors(text: string): string {
  const r = loadSpecText(text, "rw.yaml");
  assert.equal(r.ok, false, "accepted");
  return r.ok ? "" : formatErrors(r.errors);
}

const good = `remoteWrite:
  - name: vm
    url: http://10.20.0.9:8428/api/v1/write
  - name: mimir
    url: https://mimir.example.com/api/v1/push
    basicAuth: { username: "tenant-1", password: { secret: mimirPassword } }
    headers: { X-Scope-OrgID: "team-a" }
  - name: cloud
    url: https://prometheus-prod-01.grafana.net/api/prom/push
    bearerToken: { secret: grafanaCloudToken }
`;

/** prometheus.yml as promtool sees it on the host: rule and secret paths pointed into `root`. */
function checkWithPromtool(spec: Spec): { status: number; output: string; config: Record<string, unknown> } {
  requireTool("promtool");
  const steps = hubSteps(spec);
  const root = tempDir("rw");
  writeTree(steps, root);
  mkdirSync(join(root, SECRETS_DIR), { recursive: true });
  for (const name of steps.flatMap(stepSecrets)) writeFileSync(join(root, SECRETS_DIR, name), "stand-in-secret\n", { mode: 0o600 });
  const text = fileContent(steps, PROMETHEUS_CONFIG).replaceAll(`${RULES_DIR}/`, `${root}${RULES_DIR}/`).replaceAll(`${SECRETS_DIR}/`, `${root}${SECRETS_DIR}/`);
  writeFileSync(join(root, PROMETHEUS_CONFIG), text);
  return { ...run("promtool", ["check", "config", join(root, PROMETHEUS_CONFIG)]), config: parse(fileContent(steps, PROMETHEUS_CONFIG)) as Record<string, unknown> };
}

test("remote_write: one entry per store, secrets as *_file paths, environment label kept; promtool accepts it", () => {
  const spec = load(base(good));
  const { status, output, config } = checkWithPromtool(spec);
  assert.equal(status, 0, output);
  assert.deepEqual(config.remote_write, [
    { name: "vm", url: "http://10.20.0.9:8428/api/v1/write" },
    {
      name: "mimir",
      url: "https://mimir.example.com/api/v1/push",
      basic_auth: { username: "tenant-1", password_file: `${SECRETS_DIR}/mimirPassword` },
      headers: { "X-Scope-OrgID": "team-a" },
    },
    { name: "cloud", url: "https://prometheus-prod-01.grafana.net/api/prom/push", authorization: { type: "Bearer", credentials_file: `${SECRETS_DIR}/grafanaCloudToken` } },
  ]);
  assert.deepEqual((config.global as Record<string, unknown>).external_labels, { environment: "prod" });
  // The secrets travel as files of the prometheus step, 0600 for Prometheus' user; no value in the plan.
  const prom = hubSteps(spec).find((s) => s.id === "prometheus")!;
  assert.deepEqual(stepSecrets(prom), ["grafanaCloudToken", "mimirPassword"]);
  for (const f of prom.files.filter((x) => x.secret)) assert.deepEqual([f.mode, f.owner, f.content], ["0600", "prometheus:prometheus", undefined]);
});

test("no remoteWrite: prometheus.yml has no remote_write (golden renders unchanged)", () => {
  const spec = load(base(""));
  assert.equal(spec.remoteWrite.length, 0);
  assert.ok(!fileContent(hubSteps(spec, offlineContext(spec)), PROMETHEUS_CONFIG).includes("remote_write"));
});

test("hostile but legal values stay data: promtool reads back exactly what the spec says", () => {
  const url = "https://store.example.com/api/v1/push?tenant=a'b\"c&x=$(reboot)`id`;#";
  const spec = load(
    base(`remoteWrite:
  - name: odd
    url: ${JSON.stringify(url.slice(0, -1))}
    basicAuth: { username: "u'\\"$(x) #y", password: { secret: p } }
    headers: { "X-Odd_Name.1": "value: with 'quotes' \\"and\\" #hash $(and) {braces}" }
`),
  );
  const { status, output, config } = checkWithPromtool(spec);
  assert.equal(status, 0, output);
  const rw = (config.remote_write as Record<string, unknown>[])[0]!;
  assert.equal(rw.url, url.slice(0, -1));
  assert.deepEqual(rw.basic_auth, { username: "u'\"$(x) #y", password_file: `${SECRETS_DIR}/p` });
  assert.deepEqual(rw.headers, { "X-Odd_Name.1": "value: with 'quotes' \"and\" #hash $(and) {braces}" });
});

const bad: [string, string, RegExp][] = [
  ["no url", "  - { name: a }", /remoteWrite\/0: must have required property 'url'|remoteWrite\[0\].*url/],
  ["unknown field", "  - { name: a, url: https://x.example.com/w, password: p }", /password/],
  ["plain-text bearer token", "  - { name: a, url: https://x.example.com/w, bearerToken: abc }", /bearerToken/],
  ["plain-text password", "  - { name: a, url: https://x.example.com/w, basicAuth: { username: u, password: pw } }", /password/],
  ["both kinds of credentials", "  - { name: a, url: https://x.example.com/w, bearerToken: { secret: t }, basicAuth: { username: u, password: { secret: p } } }", /bearerToken or basicAuth, not both/],
  ["credentials in the URL", "  - { name: a, url: \"https://user:pw@x.example.com/w\" }", /url/],
  ["not http(s)", "  - { name: a, url: \"file:///etc/shadow\" }", /url/],
  ["a space in the URL", "  - { name: a, url: \"https://x.example.com/a b\" }", /url/],
  ["credentials over plain http to a public host", "  - { name: a, url: http://x.example.com/w, bearerToken: { secret: t } }", /clear text: use https/],
  ["a newline in a header value", "  - { name: a, url: https://x.example.com/w, headers: { X-A: \"v\\nInjected: 1\" } }", /headers/],
  ["a header name with a colon", "  - { name: a, url: https://x.example.com/w, headers: { \"X-A: b\": v } }", /headers/],
  ["the Authorization header", "  - { name: a, url: https://x.example.com/w, headers: { authorization: Bearer x } }", /use bearerToken or basicAuth/],
  ["a header twice in other case", "  - { name: a, url: https://x.example.com/w, headers: { X-A: a, x-a: b } }", /ignore case/],
  ["a duplicate name", "  - { name: a, url: https://x.example.com/w }\n  - { name: a, url: https://y.example.com/w }", /duplicate remote write name "a"/],
  ["a name that is not a slug", "  - { name: \"A B\", url: https://x.example.com/w }", /name/],
  ["a newline in the user name", "  - { name: a, url: https://x.example.com/w, basicAuth: { username: \"u\\nx\", password: { secret: p } } }", /username/],
];

for (const [what, entries, expected] of bad) {
  test(`remoteWrite rejects ${what}, located`, () => {
    const e = errors(base(`remoteWrite:\n${entries}\n`));
    assert.match(e, expected);
    assert.match(e, /^rw\.yaml:\d+:\d+ remoteWrite/m);
  });
}
