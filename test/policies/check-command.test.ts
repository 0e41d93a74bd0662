// `vigil check` as users run it (bin/vigil, a real process): prod passes, the crafted prod spec
// is blocked by every mandatory policy with a message naming the fix, the same spec passes in
// dev with the advisories printed, and bad input gives located errors and exit 1.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CRAFTED_ADVISORY, CRAFTED_MANDATORY, CRAFTED_PROD_EDITS } from "./crafted-spec.ts";
import { stackText } from "./fixtures.ts";
import { runVigil } from "../run-vigil.ts";

const vigil = (...args: string[]) => runVigil(args);

/** The table rows of a check report: [level, policy, resource, message]. */
const rows = (stdout: string): string[][] =>
  stdout
    .split("\n")
    .filter((line) => /^(mandatory|advisory) /.test(line))
    .map((line) => {
      const [level, policy, type, name, ...message] = line.split(/\s+/);
      return [level!, policy!, `${type} ${name}`, message.join(" ")];
    });

const dir = mkdtempSync(join(tmpdir(), "vigil-check-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe("vigil check", { timeout: 300_000 }, () => {
  it("passes stacks/prod.yaml under policies/config/prod.json", async () => {
    const run = await vigil("check", "stacks/prod.yaml");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^stacks\/prod\.yaml: ok: no policy violations \(13 policies over \d+ resources, policy config policies\/config\/prod\.json\)/);
  });

  const crafted = write("prod.yaml", stackText("prod", CRAFTED_PROD_EDITS));

  it("blocks the crafted prod spec: every mandatory policy reports, naming what to fix; exit 1", async () => {
    const run = await vigil("check", crafted);
    assert.equal(run.code, 1, run.stderr);
    const table = rows(run.stdout);
    for (const [policy, message] of Object.entries(CRAFTED_MANDATORY)) {
      const hit = table.find((r) => r[1] === policy);
      assert.ok(hit, `${policy} missing from:\n${run.stdout}`);
      assert.equal(hit[0], "mandatory", policy);
      assert.match(hit[3]!, message, policy);
    }
    for (const [policy, message] of Object.entries(CRAFTED_ADVISORY)) {
      const hit = table.find((r) => r[1] === policy);
      assert.ok(hit, policy);
      assert.equal(hit[0], "advisory", policy);
      assert.match(hit[3]!, message, policy);
    }
    assert.match(run.stdout, /^LEVEL\s+POLICY\s+RESOURCE\s+MESSAGE$/m);
    assert.match(run.stdout, /how to fix:\n(  [a-z-]+: .+\n)+/);
    assert.match(run.stdout, /: 9 mandatory, 2 advisory violations \(.*policies\/config\/prod\.json\): blocked$/m);
    // mandatory rows come first
    const levels = table.map((r) => r[0]);
    assert.deepEqual(levels, [...levels].sort((a, b) => (a === b ? 0 : a === "mandatory" ? -1 : 1)));
  });

  it("passes the same spec under the dev config, printing the advisories", async () => {
    const run = await vigil("check", crafted, "--policy-config", "policies/config/dev.json");
    assert.equal(run.code, 0, run.stderr);
    const table = rows(run.stdout);
    assert.ok(table.length >= 8, run.stdout);
    assert.ok(table.every((r) => r[0] === "advisory"), run.stdout);
    assert.ok(!table.some((r) => r[1] === "droplet-backups-enabled"), "dev.json disables the backups policy");
    assert.match(run.stdout, /: 0 mandatory, \d+ advisory violations \(.*policy config policies\/config\/dev\.json\)$/m);
  });

  it("uses policies/config/<environment>.json by default: dev.yaml passes with advisories", async () => {
    const run = await vigil("check", "stacks/dev.yaml");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      rows(run.stdout).map((r) => [r[0], r[1]]),
      [
        ["advisory", "critical-alerts-page"],
        ["advisory", "heartbeat-receiver-set"],
      ],
    );
  });

  it("rejects an invalid spec with located errors, and a bad policy config naming the setting", async () => {
    const bad = write("bad.yaml", stackText("prod", [[["thresholds", "cpu", "critical"], "high"]]));
    const run = await vigil("check", bad);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /bad\.yaml:\d+:\d+ thresholds\.cpu\.critical: must be a number, got string/);

    const config = write("policy.json", JSON.stringify({ "host-thresholds-bounded": { cpuCriticalMax: 95, diskMax: 90 } }));
    const badConfig = await vigil("check", "stacks/prod.yaml", "--policy-config", config);
    assert.equal(badConfig.code, 1);
    assert.match(badConfig.stderr, /policy\.json: host-thresholds-bounded: unknown setting "diskMax" \(settings: cpuCriticalMax, /);

    // The program itself refuses SSH from 0.0.0.0/0; check reports that as one clear line.
    const world = write("world.yaml", stackText("prod", [[["access", "sshAllowFrom"], ["0.0.0.0/0"]]]));
    const refused = await vigil("check", world);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^vigil check: .*world\.yaml: access\.sshAllowFrom: 0\.0\.0\.0\/0 opens SSH to the whole internet/m);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, "no stack trace");

    const usage = await vigil("check", "stacks/prod.yaml", "--policy");
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /unknown option --policy\nusage: vigil check <spec> \[--policy-config FILE\]/);
  });
});
