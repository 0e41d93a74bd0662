// The JSON Schema is generated from the TypeBox definition and checked in; defaults live in it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { specJsonSchemaText } from "../../schema/json-schema.ts";
import { specValidatorSource } from "../../schema/spec-validator-source.ts";
import { loadSpecText } from "../../schema/load-spec.ts";

test("schema/vigil.schema.json is up to date (run npm run schema)", () => {
  assert.equal(readFileSync("schema/vigil.schema.json", "utf8"), specJsonSchemaText());
});

test("schema/spec-validator.generated.ts, the validator the spec loader runs, is up to date (run npm run schema)", () => {
  // Compared as text: the loader never compiles the schema itself, so a stale file would
  // validate against an old schema.
  assert.ok(readFileSync("schema/spec-validator.generated.ts", "utf8") === specValidatorSource(), "stale: run npm run schema");
});

test("the example stacks point editors at the schema", () => {
  for (const env of ["dev", "prod"]) {
    assert.match(readFileSync(`stacks/${env}.yaml`, "utf8"), /^# yaml-language-server: \$schema=\.\.\/schema\/vigil\.schema\.json$/m);
  }
});

const minimal = `version: 1
environment: dev
project: dcg
region: fra1
hosts: [{ name: app-1, roles: [node] }]
alerts:
  receivers: { ops: { slack: { webhook: { secret: slackWebhook } } } }
  routes: [{ severity: critical, to: [ops] }]
`;

test("defaults from SPEC.md are filled in one place", () => {
  const r = loadSpecText(minimal, "minimal.yaml");
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  const { spec } = r;
  assert.deepEqual(spec.thresholds, {
    cpu: { warning: 70, critical: 90, for: "5m" },
    memory: { warning: 80, critical: 95, for: "5m" },
    disk: { warning: 80, critical: 90, for: "5m" },
    load: { warning: 2, critical: 5, for: "10m" },
    diskFillHours: 24,
    inodes: { warning: 85, critical: 95, for: "5m" },
    clockSkewMs: 50,
    fileDescriptors: 80,
    conntrack: 75,
    cpuSteal: 10,
    networkErrors: 1,
    logErrors: 50,
  });
  assert.deepEqual(spec.intervals, { scrape: "15s", evaluation: "15s" });
  assert.equal(spec.stack.netdata.enabled, true);
  assert.equal(spec.stack.nodeExporter.enabled, true);
  assert.equal(spec.stack.fail2ban.enabled, true);
  assert.equal(spec.stack.crowdsec.enabled, true);
  assert.equal(spec.stack.crowdsec.centralApi, true);
  assert.equal(spec.hosts[0]!.image, "debian-12-x64");
  // No wait: critical alerts wait one evaluation, the rest 30s (provisioning/detection-timing.ts).
  assert.deepEqual(spec.alerts.grouping, { by: ["alertname", "host"], interval: "5m", repeat: "4h" });
  assert.equal(spec.alerts.confirm, 3);
});

test("a partial block keeps the user's values and fills the rest", () => {
  const r = loadSpecText(minimal + "thresholds:\n  cpu: { critical: 99 }\n", "partial.yaml");
  assert.ok(r.ok);
  assert.deepEqual(r.spec.thresholds.cpu, { warning: 70, critical: 99, for: "5m" });
});
