// The pack loads under the real @pulumi/policy PolicyPack and analyzer server (as
// `pulumi preview --policy-pack policies` runs it), and `vigil check`'s in-process evaluation
// gives exactly the violations that server gives, for the same graphs and configs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { PolicyPackConfig } from "@pulumi/policy";
import { checkResources } from "../../bin/commands/check.ts";
import { type Violation } from "../../policies/evaluate.ts";
import { PACK_NAME, vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig } from "../../policies/policy-config.ts";
import { CrossGuardPack } from "./crossguard-server.ts";
import { droplet, firewall, graphOf, repoPath, specResource, stackSpec, vpc } from "./fixtures.ts";
import { CRAFTED_PROD_EDITS } from "./crafted-spec.ts";

const configOf = (env: string): PolicyPackConfig => {
  const loaded = loadPolicyConfig(repoPath(`policies/config/${env}.json`), vigilPolicies);
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return loaded.config;
};

const key = (v: Violation) => `${v.level} ${v.policy} ${v.urn ?? ""} ${v.message}`;
const sorted = (vs: readonly Violation[]) => vs.map(key).sort();

describe("the policy pack under CrossGuard's analyzer server", { timeout: 180_000 }, () => {
  let pack: CrossGuardPack;
  before(async () => {
    pack = await CrossGuardPack.start();
  });
  after(async () => {
    await pack?.stop();
  });

  it("serves every policy with its description, remediation steps, default level and config schema", async () => {
    const info = await pack.info();
    assert.equal(info.name, PACK_NAME);
    assert.deepEqual(
      info.policies.map((p) => p.name),
      vigilPolicies.map((p) => p.name),
    );
    for (const served of info.policies) {
      const own = vigilPolicies.find((p) => p.name === served.name)!;
      assert.equal(served.description, own.description);
      assert.equal(served.remediationSteps, own.remediationSteps);
      assert.equal(served.enforcementLevel, "advisory");
      assert.deepEqual(served.configProperties.sort(), Object.keys(own.configSchema.properties).sort());
    }
  });

  const scenarios: { title: string; env: "dev" | "prod"; config: string; edits?: typeof CRAFTED_PROD_EDITS }[] = [
    { title: "stacks/prod.yaml under prod.json", env: "prod", config: "prod" },
    { title: "stacks/dev.yaml under dev.json", env: "dev", config: "dev" },
    { title: "the crafted bad prod spec under prod.json", env: "prod", config: "prod", edits: CRAFTED_PROD_EDITS },
    { title: "the crafted bad prod spec under dev.json", env: "prod", config: "dev", edits: CRAFTED_PROD_EDITS },
  ];
  for (const scenario of scenarios) {
    it(`agrees with vigil check on ${scenario.title}`, async () => {
      const graph = await graphOf(stackSpec(scenario.env, scenario.edits ?? []));
      const config = configOf(scenario.config);
      await pack.configure(config, vigilPolicies);
      const served = await pack.analyze(graph);
      const offline = await checkResources(graph, config);
      assert.deepEqual(sorted(offline), sorted(served));
      if (scenario.edits) assert.ok(served.length >= 8, `the crafted spec should violate many policies, got ${served.length}`);
    });
  }

  it("agrees on hand-built resources: open SSH and metrics ports, untagged droplets without monitoring or backups", async () => {
    const spec = stackSpec("prod");
    const graph = [
      specResource(spec),
      vpc("vpc", "10.20.0.0/24"),
      firewall("fw", [
        { protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] },
        { protocol: "tcp", portRange: "9090-9100", sourceAddresses: ["198.51.100.0/24"] },
      ]),
      droplet("app-1", { monitoring: false }),
      droplet("app-2", { monitoring: true, backups: true }),
    ];
    const config = configOf("prod");
    await pack.configure(config, vigilPolicies);
    const served = await pack.analyze(graph);
    assert.deepEqual(sorted(await checkResources(graph, config)), sorted(served));
    assert.deepEqual([...new Set(served.map((v) => v.policy))].sort(), [
      "droplet-backups-enabled",
      "droplet-monitoring-enabled",
      "droplets-behind-firewall",
      "metrics-ports-not-public",
      "ssh-not-open-to-world",
    ]);
  });
});
