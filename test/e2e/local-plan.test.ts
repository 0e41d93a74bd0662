// The single loopback container's plan (localPlan), and what `vigil local status` expects.
// (`vigil local up` runs a multi-host spec as a fleet: test/e2e/local-network.test.ts, fleet.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSpecText } from "../../schema/load-spec.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { loopbackContext } from "../../provisioning/address-contexts.ts";
import { DEFAULT_LOCAL_SPEC } from "../../bin/commands/local.ts";
import { expectedUnits, mergedLocalPlan } from "../../bin/local-apply.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";

const multi = loadSpecText(
  `version: 1
environment: t
project: p
region: fra1
hosts:
  - { name: app-1, roles: [node], services: [asterisk] }
  - { name: app-2, roles: [node] }
  - { name: monitor, roles: [hub] }
stack:
  crowdsec: { centralApi: false, firewallBouncer: false }
alerts:
  receivers: { hook: { webhook: { url: "http://127.0.0.1:9099/" } } }
  routes: [{ to: [hook] }]
`,
  "multi.yaml",
);

test("localPlan of a multi-host spec merges the plans: the first node host's node role, then the hub", () => {
  assert.ok(multi.ok);
  const spec = multi.spec;
  const plan = mergedLocalPlan(spec);
  assert.equal(plan.host, "app-1+app-2+monitor");
  assert.deepEqual(plan.roles.sort(), ["hub", "node"]);
  const ids = plan.steps.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, "no step twice");
  const ctx = loopbackContext(spec);
  const app1 = planForHost(spec, "app-1", ctx).steps;
  const hub = planForHost(spec, "monitor", ctx).steps;
  // Exactly app-1's steps (app-2's share their ids and are skipped), then the hub's.
  assert.deepEqual(plan.steps, [...app1, ...hub]);
  // The hub still scrapes every node host, all at 127.0.0.1.
  const hubText = JSON.stringify(hub);
  for (const h of ["app-1", "app-2"]) assert.ok(hubText.includes(h), `hub config names ${h}`);
  assert.ok(!/10\.20\.0\.\d/.test(JSON.stringify(plan)), "no VPC stand-in addresses on the local target");
});

test("status expects every role's units and the spec's services", () => {
  assert.ok(multi.ok);
  const units = expectedUnits(multi.spec);
  for (const u of ["asterisk.service", "netdata.service", "prometheus-node-exporter.service", "fail2ban.service", "crowdsec.service", "prometheus.service", "prometheus-alertmanager.service", "prometheus-blackbox-exporter.service"]) {
    assert.ok(units.includes(u), u);
  }
  assert.ok(!units.includes("vigil-agent.service"), "no agent without an agent block");
});

test("the embedded default spec is valid and holds both roles on one host", () => {
  const r = loadSpecFile(DEFAULT_LOCAL_SPEC);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  assert.equal(r.spec.hosts.length, 1);
  assert.deepEqual([...r.spec.hosts[0]!.roles].sort(), ["hub", "node"]);
  const urls = JSON.stringify([r.spec.uptime, r.spec.alerts.receivers]);
  for (const m of urls.matchAll(/https?:\/\/([^/:"]+)/g)) assert.equal(m[1], "127.0.0.1");
  assert.equal(mergedLocalPlan(r.spec).steps.length > 0, true);
});
