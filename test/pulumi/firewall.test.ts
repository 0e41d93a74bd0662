// The firewalls never expose metrics ports or SSH to the world.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { previewCloudResources, type CloudResource } from "../../components/cloud-preview.ts";
import { CROWDSEC_LAPI_PORT, METRICS_PORTS } from "../../provisioning/service-ports.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, ofType } from "./helpers.ts";

const noSteps = (spec: Spec, host: string) => ({ host, roles: spec.hosts.find((h) => h.name === host)!.roles, steps: [] });

interface Rule {
  protocol: string;
  portRange?: string;
  sourceAddresses?: string[];
}

/** Ports a rule opens: "22" → [22], "1-65535" → [1..65535] (as a range test). */
const covers = (rule: Rule, port: number): boolean => {
  if (rule.protocol === "icmp") return false;
  const range = rule.portRange ?? "all";
  if (range === "all" || range === "0") return true;
  const [lo, hi] = range.split("-").map(Number) as [number, number?];
  return port >= lo && port <= (hi ?? lo);
};

/** The applications' metrics ports (hosts[].scrape): VPC only, like vigil's own. */
const appPorts = (spec: Spec): number[] => spec.hosts.flatMap((h) => h.scrape.map((t) => t.port));

/** Every invariant of the inbound rules, for one spec's graph. */
function assertFirewallsSafe(spec: Spec, rs: CloudResource[]): void {
  const firewalls = ofType(rs, T.firewall);
  assert.ok(firewalls.length >= 1);
  for (const fw of firewalls) {
    const rules = (fw.inputs.inboundRules as Rule[]) ?? [];
    for (const rule of rules) {
      for (const port of [...METRICS_PORTS, ...appPorts(spec)]) {
        if (covers(rule, port)) assert.deepEqual(rule.sourceAddresses, [spec.vpc.ipRange], `${fw.name}: port ${port} only from the VPC`);
      }
      if (covers(rule, 22)) {
        for (const source of rule.sourceAddresses ?? []) {
          assert.ok(spec.access.sshAllowFrom.includes(source), `${fw.name}: SSH from ${source} is not in access.sshAllowFrom`);
          assert.doesNotMatch(source, /\/0$/);
        }
      }
      for (const source of rule.sourceAddresses ?? []) {
        if (/\/0$/.test(source)) assert.ok(rule.protocol === "icmp" || ["80", "443"].includes(rule.portRange ?? ""), `${fw.name}: ${JSON.stringify(rule)} open to the world`);
      }
    }
    // Firewalls are applied by the environment's own tags (FIELD-NOTES: dropletIds would be numbers).
    assert.equal(fw.inputs.dropletIds, undefined);
    for (const tag of fw.inputs.tags as string[]) assert.ok(tag.startsWith(`${spec.project}-${spec.environment}`));
  }
  const base = firewalls.find((f) => f.name.endsWith("-firewall") && !f.name.endsWith("-web-firewall"))!;
  const baseRules = base.inputs.inboundRules as Rule[];
  assert.equal(baseRules.filter((r) => covers(r, 22)).length, spec.access.sshAllowFrom.length > 0 ? 1 : 0);
  assert.ok(baseRules.some((r) => r.protocol === "icmp"), "ICMP stays open for ping checks and probes");
  for (const port of [...METRICS_PORTS, ...appPorts(spec)]) assert.ok(baseRules.some((r) => covers(r, port)), `hub reaches port ${port} over the VPC`);
}

for (const [label, file] of Object.entries(SPEC_FILES)) {
  test(`${label}: metrics ports only from the VPC, SSH only from sshAllowFrom`, async () => {
    const spec = loadSpec(file);
    assertFirewallsSafe(spec, await previewCloudResources(spec));
  });
}

test("any sshAllowFrom and VPC range: the invariants hold", async () => {
  const base = loadSpec(SPEC_FILES.prod);
  const octet = fc.integer({ min: 0, max: 255 });
  const cidr = fc.tuple(octet, octet, octet, fc.integer({ min: 8, max: 32 })).map(([a, b, c, p]) => {
    const n = (((a << 24) | (b << 16) | (c << 8)) >>> 0) & (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);
    return `${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".")}/${p}`;
  });
  await fc.assert(
    fc.asyncProperty(fc.uniqueArray(cidr, { maxLength: 4 }), fc.integer({ min: 0, max: 255 }), async (allow, b) => {
      const spec: Spec = structuredClone(base);
      spec.access.sshAllowFrom = allow;
      spec.vpc.ipRange = `10.${b}.0.0/24`;
      // The firewall does not depend on the hosts' steps: plan without them, to keep this quick.
      assertFirewallsSafe(spec, await previewCloudResources(spec, { planHost: noSteps }));
    }),
    { numRuns: 12 },
  );
});

test("SSH open to the whole internet is refused, naming the field", async () => {
  const spec: Spec = structuredClone(loadSpec(SPEC_FILES.dev));
  spec.access.sshAllowFrom = ["203.0.113.0/24", "0.0.0.0/0"];
  await assert.rejects(previewCloudResources(spec, { planHost: noSteps }), /access\.sshAllowFrom: 0\.0\.0\.0\/0 opens SSH to the whole internet/);
  // and the next program in the same process still plans.
  assert.ok((await previewCloudResources(loadSpec(SPEC_FILES.dev), { planHost: noSteps })).length > 0);
});

test("CrowdSec as one fleet: the Local API port is open to the VPC only, and only when the fleet is on", async () => {
  const fleet = loadEdited(SPEC_FILES.prod, /crowdsec: \{ enabled: true,/, "crowdsec: { fleetKey: { secret: crowdsecFleetKey }, enabled: true,");
  assert.ok(fleet.stack.crowdsec.fleetKey);
  const lapiRules = async (spec: Spec) => {
    const rs = await previewCloudResources(spec, { planHost: noSteps });
    assertFirewallsSafe(spec, rs);
    return ofType(rs, T.firewall).flatMap((fw) => ((fw.inputs.inboundRules as Rule[]) ?? []).filter((r) => covers(r, CROWDSEC_LAPI_PORT)));
  };
  assert.deepEqual(await lapiRules(fleet), [{ protocol: "tcp", portRange: String(CROWDSEC_LAPI_PORT), sourceAddresses: [fleet.vpc.ipRange] }]);
  assert.deepEqual(await lapiRules(loadSpec(SPEC_FILES.prod)), [], "a lone Local API is on loopback: nothing to open");
});
