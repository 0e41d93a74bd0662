// What DigitalOcean keeps unique per account, checked across the spec files given together:
// the default VPC range (derived, stable, never reserved), overlapping ranges and clashing
// project names, each reported in both files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { accountProblems } from "../../schema/account-checks.ts";
import { loadSpecFile, loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { DO_RESERVED_RANGES, candidateRange, defaultVpcRange, rangesOverlap, reservedOverlap } from "../../schema/vpc-range.ts";
import { runVigil } from "../run-vigil.ts";
import { scratchDir } from "../scratch-dir.ts";

const dir = scratchDir("vigil-account-");
const prodText = readFileSync("stacks/prod.yaml", "utf8");
/** stacks/prod.yaml with edits, written to a scratch file. */
function variant(name: string, edit: (text: string) => string): string {
  const file = join(dir, name);
  const text = edit(prodText);
  assert.notEqual(text, prodText, `the edit of ${name} applied`);
  writeFileSync(file, text);
  return file;
}
const withoutVpc = (text: string) => text.replace(/^vpc: .*\n/m, "");

test("a spec without vpc gets a /24 derived from project and environment: stable, and not stacks/prod.yaml's", () => {
  const file = variant("no-vpc.yaml", withoutVpc);
  const a = loadSpecFile(file);
  const b = loadSpecFile(file);
  assert.ok(a.ok && b.ok);
  assert.equal(a.spec.vpc.ipRange, b.spec.vpc.ipRange);
  assert.equal(a.spec.vpc.ipRange, defaultVpcRange("dcg", "prod"));
  // Pinned: the derivation must never change, or every stack without vpc would replace its VPC.
  assert.equal(defaultVpcRange("dcg", "prod"), "10.75.255.0/24");
  const prod = loadSpecFile("stacks/prod.yaml");
  assert.ok(prod.ok);
  assert.equal(prod.spec.vpc.ipRange, "10.20.0.0/24");
  assert.ok(!rangesOverlap(a.spec.vpc.ipRange, prod.spec.vpc.ipRange));
  // Other environments of the same project get other ranges.
  assert.notEqual(defaultVpcRange("dcg", "staging"), defaultVpcRange("dcg", "prod"));
});

test("derived ranges are /24s inside 10.0.0.0/8 that never touch DigitalOcean's reserved ranges", () => {
  const slug = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
  fc.assert(
    fc.property(slug, slug, (project, environment) => {
      const range = defaultVpcRange(project, environment);
      assert.match(range, /^10\.\d{1,3}\.\d{1,3}\.0\/24$/);
      assert.ok(rangesOverlap(range, "10.0.0.0/8"));
      assert.equal(reservedOverlap(range), undefined, range);
      const r = loadSpecText(`version: 1\nenvironment: "${environment}"\nproject: "${project}"\nregion: fra1\nhosts: [{ name: h, roles: [hub] }]\nalerts: { receivers: { o: { webhook: { url: "https://x.example/" } } }, routes: [{ to: [o] }] }\n`, "p.yaml");
      assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
      assert.equal(r.spec.vpc.ipRange, range);
    }),
    { numRuns: 300 },
  );
});

test("the k-th candidate /24 (found without listing all 65,536) is the k-th /24 in order that no reserved range overlaps", () => {
  // Listing them (the old way, at every spec load) is the oracle; the reserved ranges all lie in
  // 10.240.0.0/12, so below it the k-th candidate is the k-th /24 and only that /12 needs listing.
  for (const r of DO_RESERVED_RANGES) assert.ok(rangesOverlap(r, "10.240.0.0/12") && Number(r.split("/")[1]) >= 12, r);
  const listed: [number, number][] = [];
  for (let b = 240; b < 256; b++) for (let c = 0; c < 256; c++) if (!reservedOverlap(`10.${b}.${c}.0/24`)) listed.push([b, c]);
  const below = 240 * 256;
  for (const k of [0, 1, 255, 256, 30_000, below - 1]) assert.deepEqual(candidateRange(k), [Math.floor(k / 256), k % 256], String(k));
  listed.forEach((bc, i) => assert.deepEqual(candidateRange(below + i), bc, String(below + i)));
});

test("rangesOverlap: containment either way overlaps, neighbours do not", () => {
  assert.ok(rangesOverlap("10.20.0.0/16", "10.20.5.0/24"));
  assert.ok(rangesOverlap("10.20.5.0/24", "10.20.0.0/16"));
  assert.ok(rangesOverlap("10.20.0.0/24", "10.20.0.0/24"));
  assert.ok(!rangesOverlap("10.20.0.0/24", "10.20.1.0/24"));
  assert.ok(!rangesOverlap("10.20.0.0/24", "not a range"));
  for (const reserved of DO_RESERVED_RANGES) assert.equal(reservedOverlap(reserved), reserved);
  assert.equal(reservedOverlap("10.246.1.0/24"), undefined, "only 10.246.0.0/24 of 10.246/16 is reserved");
  assert.equal(reservedOverlap("10.240.0.0/12"), "10.244.0.0/16");
});

test("vigil validate of the example stacks together finds no clash", async () => {
  const r = await runVigil(["validate", "stacks/dev.yaml", "stacks/local.yaml", "stacks/prod.yaml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
});

test("overlapping VPC ranges across two files: an error located in each file", async () => {
  const wide = variant("wide.yaml", (t) => t.replace("environment: prod", "environment: staging").replace("ipRange: 10.20.0.0/24", "ipRange: 10.20.0.0/16"));
  const r = await runVigil(["validate", "stacks/prod.yaml", wide]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split("\n");
  assert.deepEqual(lines, [
    `stacks/prod.yaml:7:17 vpc.ipRange: 10.20.0.0/24 overlaps the VPC range 10.20.0.0/16 of ${wide} (dcg-staging); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
    `${wide}:7:17 vpc.ipRange: 10.20.0.0/16 overlaps the VPC range 10.20.0.0/24 of stacks/prod.yaml (dcg-prod); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
  ]);
  // Both files are still summarised: each is valid on its own.
  assert.equal(r.stdout.trim().split("\n").length, 2);
});

test("a clashing project name (<project>-<environment>) across two files: an error located in each file", async () => {
  const twin = variant("twin.yaml", (t) => t.replace("ipRange: 10.20.0.0/24", "ipRange: 10.21.0.0/24"));
  const r = await runVigil(["validate", "stacks/prod.yaml", twin]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stderr.trim().split("\n"), [
    `stacks/prod.yaml:4:14 environment: project "dcg-prod" is also that of ${twin}; DigitalOcean project names are unique per account: change project or environment in one of them`,
    `${twin}:4:14 environment: project "dcg-prod" is also that of stacks/prod.yaml; DigitalOcean project names are unique per account: change project or environment in one of them`,
  ]);
});

test("a derived range that clashes is located at `project`, and says it is derived", () => {
  const a = variant("derived-a.yaml", withoutVpc);
  const b = variant("derived-b.yaml", (t) => t.replace("environment: prod", "environment: qa").replace("ipRange: 10.20.0.0/24", `ipRange: ${defaultVpcRange("dcg", "prod").replace("/24", "/16").replace(/\.\d+\.0\/16$/, ".0.0/16")}`));
  const loaded = [loadSpecFile(a), loadSpecFile(b)];
  assert.ok(loaded.every((l) => l.ok));
  const errors = accountProblems(loaded.flatMap((l) => (l.ok ? [l] : [])));
  assert.equal(errors.length, 2);
  assert.equal(errors[0]!.file, a);
  assert.equal(errors[0]!.line, 5, "the `project:` line");
  assert.match(errors[0]!.message, /^10\.75\.255\.0\/24 \(derived from project and environment\) overlaps the VPC range 10\.75\.0\.0\/16 of /);
  assert.match(errors[1]!.message, /overlaps the VPC range 10\.75\.255\.0\/24 \(derived from project and environment\) of /);
});

test("three files: every pair is checked, a file clean of clashes gets no error", () => {
  const specs = ["p1.yaml", "p2.yaml", "p3.yaml"].map((name, i) =>
    variant(name, (t) => t.replace("environment: prod", `environment: e${i}`).replace("ipRange: 10.20.0.0/24", i === 2 ? "ipRange: 10.99.0.0/24" : "ipRange: 10.20.0.0/24")),
  );
  const loaded = specs.map((f) => loadSpecFile(f)).flatMap((l) => (l.ok ? [l] : []));
  const errors = accountProblems(loaded);
  assert.deepEqual(errors.map((e) => e.file), [specs[0], specs[1]]);
});

test("in-process, exactly as vigil validate prints them: an overlap and a clashing project name, each in both files", () => {
  const load = (file: string) => {
    const l = loadSpecFile(file);
    assert.ok(l.ok, file);
    return l;
  };
  const wide = variant("wide2.yaml", (t) => t.replace("environment: prod", "environment: staging").replace("ipRange: 10.20.0.0/24", "ipRange: 10.20.0.0/16"));
  assert.deepEqual(formatErrors(accountProblems([load("stacks/prod.yaml"), load(wide)])).split("\n"), [
    `stacks/prod.yaml:7:17 vpc.ipRange: 10.20.0.0/24 overlaps the VPC range 10.20.0.0/16 of ${wide} (dcg-staging); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
    `${wide}:7:17 vpc.ipRange: 10.20.0.0/16 overlaps the VPC range 10.20.0.0/24 of stacks/prod.yaml (dcg-prod); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
  ]);
  const twin = variant("twin2.yaml", (t) => t.replace("ipRange: 10.20.0.0/24", "ipRange: 10.21.0.0/24"));
  assert.deepEqual(formatErrors(accountProblems([load("stacks/prod.yaml"), load(twin)])).split("\n"), [
    `stacks/prod.yaml:4:14 environment: project "dcg-prod" is also that of ${twin}; DigitalOcean project names are unique per account: change project or environment in one of them`,
    `${twin}:4:14 environment: project "dcg-prod" is also that of stacks/prod.yaml; DigitalOcean project names are unique per account: change project or environment in one of them`,
  ]);
  // A derived range that clashes: at `project:` (line 5 once vpc is gone), the message says so.
  const derived = variant("derived2.yaml", withoutVpc);
  const other = variant("other2.yaml", (t) => t.replace("environment: prod", "environment: qa").replace("ipRange: 10.20.0.0/24", "ipRange: 10.75.0.0/16"));
  assert.deepEqual(formatErrors(accountProblems([load(derived), load(other)])).split("\n"), [
    `${derived}:5:10 vpc.ipRange: 10.75.255.0/24 (derived from project and environment) overlaps the VPC range 10.75.0.0/16 of ${other} (dcg-qa); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
    `${other}:7:17 vpc.ipRange: 10.75.0.0/16 overlaps the VPC range 10.75.255.0/24 (derived from project and environment) of ${derived} (dcg-prod); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`,
  ]);
});
