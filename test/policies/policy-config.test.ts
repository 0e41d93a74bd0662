// The per-environment policy configs and their checking against the policies' config schemas.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { enforcementLevel } from "../../policies/evaluate.ts";
import { vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig, parsePolicyConfig } from "../../policies/policy-config.ts";
import { repoPath } from "./fixtures.ts";

const load = (env: string) => {
  const result = loadPolicyConfig(repoPath(`policies/config/${env}.json`), vigilPolicies);
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  return result.config;
};
const levels = (env: string) => Object.fromEntries(vigilPolicies.map((p) => [p.name, enforcementLevel(load(env), p)]));
const ADVISORY_IN_PROD = ["droplet-backups-enabled", "heartbeat-receiver-set"];

describe("policies/config", () => {
  it("prod.json: every policy mandatory except backups and heartbeat, which stay advisory", () => {
    for (const [name, level] of Object.entries(levels("prod"))) {
      assert.equal(level, ADVISORY_IN_PROD.includes(name) ? "advisory" : "mandatory", name);
    }
  });

  it("dev.json: every policy advisory, and the backups policy (prod only) disabled", () => {
    for (const [name, level] of Object.entries(levels("dev"))) {
      assert.equal(level, name === "droplet-backups-enabled" ? "disabled" : "advisory", name);
    }
  });

  it("a per-policy level beats `all`, which beats the policy's own default", () => {
    const policy = vigilPolicies[0]!;
    assert.equal(enforcementLevel({}, policy), "advisory");
    assert.equal(enforcementLevel({ all: "mandatory" }, policy), "mandatory");
    assert.equal(enforcementLevel({ all: { enforcementLevel: "mandatory" }, [policy.name]: "disabled" }, policy), "disabled");
  });

  it("rejects unknown policies, unknown or ill-typed settings and bad levels, naming each", () => {
    const result = parsePolicyConfig(
      JSON.stringify({
        "ssh-open": "mandatory",
        "host-thresholds-bounded": { enforcementLevel: "strict", forMax: 30, cpuMax: 1 },
        "critical-alerts-page": "blocking",
      }),
      "x.json",
      vigilPolicies,
    );
    assert.equal(result.ok, false);
    const errors = result.ok ? [] : result.errors;
    assert.match(errors[0]!, /^x\.json: unknown policy "ssh-open" \(policies: ssh-not-open-to-world, /);
    assert.ok(errors.some((e) => /host-thresholds-bounded\.enforcementLevel must be one of advisory, mandatory, remediate, disabled \(got "strict"\)/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /host-thresholds-bounded\.forMax: must be string/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /host-thresholds-bounded: unknown setting "cpuMax"/.test(e)), errors.join("\n"));
    assert.ok(errors.some((e) => /critical-alerts-page: enforcement level must be one of .* \(got "blocking"\)/.test(e)), errors.join("\n"));
    const notJson = parsePolicyConfig("{ all: mandatory }", "y.json", vigilPolicies);
    assert.ok(!notJson.ok && /^y\.json: not valid JSON/.test(notJson.errors[0]!));
  });
});
