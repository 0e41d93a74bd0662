// The pack loads under the real @pulumi/policy PolicyPack and analyzer server (as
// `pulumi preview --policy-pack policies` runs it), and `vigil check`'s in-process evaluation
// gives exactly the violations that server gives, for the same graphs and configs.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { checkResources } from "../../bin/commands/check.ts";
import { type Violation } from "../../policies/evaluate.ts";
import { PACK_NAME, vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig } from "../../policies/policy-config.ts";
import { CrossGuardPack } from "./crossguard-server.ts";
import { droplet, firewall, graphOf, repoPath, specResource, stackSpec, vpc } from "./fixtures.ts";
import { CRAFTED_PROD_EDITS } from "./crafted-spec.ts";
import { scratchDir } from "../scratch-dir.ts";

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
      // The server gets its levels from the file as the Pulumi CLI reads it; vigil check from
      // its own reading of the same file.
      await pack.configureFromFile(repoPath(`policies/config/${scenario.config}.json`));
      const served = await pack.analyze(graph);
      const offline = await checkResources(graph, configOf(scenario.config));
      assert.deepEqual(sorted(offline), sorted(served));
      if (scenario.edits) assert.ok(served.length >= 8, `the crafted spec should violate many policies, got ${served.length}`);
    });
  }

  it("a policy's own level wins over \"all\" in both directions, as the Pulumi CLI reads the file", async () => {
    const spec = stackSpec("prod");
    const graph = [
      specResource(spec),
      vpc("vpc", "10.20.0.0/24"),
      firewall("fw", [{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] }]),
      droplet("app-1", { monitoring: false }),
    ];
    const dir = scratchDir("vigil-policy-config-");
    const cases: { config: object; expect: string[] }[] = [
      {
        // "all" stricter than a policy: the policy's advisory (string form) and disabled (object form) win.
        config: { all: "mandatory", "droplet-backups-enabled": "advisory", "ssh-not-open-to-world": { enforcementLevel: "disabled" } },
        expect: ["advisory droplet-backups-enabled", "mandatory droplet-monitoring-enabled", "mandatory droplets-behind-firewall"],
      },
      {
        // "all" looser than a policy: everything off but the one policy, which stays mandatory.
        config: { all: "disabled", "droplet-monitoring-enabled": "mandatory" },
        expect: ["mandatory droplet-monitoring-enabled"],
      },
    ];
    for (const [i, c] of cases.entries()) {
      const file = join(dir, `case-${i}.json`);
      writeFileSync(file, JSON.stringify(c.config));
      await pack.configureFromFile(file);
      const served = await pack.analyze(graph);
      const levels = [...new Set(served.map((v) => `${v.level} ${v.policy}`))].sort();
      assert.deepEqual(levels, c.expect, `CrossGuard under ${JSON.stringify(c.config)}: ${levels.join(", ")}`);
      const loaded = loadPolicyConfig(file, vigilPolicies);
      if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
      assert.deepEqual(sorted(await checkResources(graph, loaded.config)), sorted(served), JSON.stringify(c.config));
    }
  });

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
    await pack.configureFromFile(repoPath("policies/config/prod.json"));
    const served = await pack.analyze(graph);
    assert.deepEqual(sorted(await checkResources(graph, configOf("prod"))), sorted(served));
    assert.deepEqual([...new Set(served.map((v) => v.policy))].sort(), [
      "droplet-backups-enabled",
      "droplet-monitoring-enabled",
      "droplets-behind-firewall",
      "metrics-ports-not-public",
      "ssh-not-open-to-world",
    ]);
  });
});
