// `promtool test rules`: every alert of SPEC.md fires when it should and not before, on the
// rules rendered from fixtures/hub-spec.yaml (and hub-spec-<name>.yaml into rules-<name>/).
// Cases are in fixtures/*.promtool.yaml.
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { ruleFiles } from "../../provisioning/hub/prometheus.ts";
import { FIXTURES, loadSpec, requireTool, run, tempDir, withoutAnnotations } from "./support.ts";

const spec = loadSpec(join(FIXTURES, "hub-spec.yaml"));
const dir = tempDir("promtool");
mkdirSync(join(dir, "rules"));
for (const file of ruleFiles(spec)) {
  writeFileSync(join(dir, "rules", file.path.split("/").pop()!), withoutAnnotations(file.content));
}
// Also each SLO's groups alone (rules/slo-<name>.yml, unchanged): promtool evaluates every rule
// at every step, and the multi-day SLO cases would otherwise take minutes.
const slo = parse(withoutAnnotations(ruleFiles(spec).find((f) => f.path.endsWith("/slo.yml"))!.content)) as { groups: { name: string }[] };
for (const s of spec.slos) {
  const groups = slo.groups.filter((g) => g.name === `vigil-slo-${s.name}` || g.name === `vigil-slo-${s.name}-budget`);
  assert.equal(groups.length, 2, `groups of SLO ${s.name}`);
  writeFileSync(join(dir, "rules", `slo-${s.name}.yml`), stringify({ groups }));
}
// The other specs (hub-spec-<name>.yaml) render into rules-<name>/, for cases at other intervals.
for (const fixture of readdirSync(FIXTURES).filter((f) => /^hub-spec-.+\.yaml$/.test(f))) {
  const rules = join(dir, `rules-${fixture.slice("hub-spec-".length, -".yaml".length)}`);
  mkdirSync(rules);
  for (const file of ruleFiles(loadSpec(join(FIXTURES, fixture)))) {
    writeFileSync(join(rules, file.path.split("/").pop()!), withoutAnnotations(file.content));
  }
}

// The self-monitoring rules of an HA pair (app-1 as the second hub): AlertmanagerClusterDegraded.
const pair = { ...spec, hosts: spec.hosts.map((h) => (h.name === "app-1" ? { ...h, roles: [...h.roles, "hub" as const] } : h)) };
writeFileSync(join(dir, "rules", "self-pair.yml"), withoutAnnotations(ruleFiles(pair).find((f) => f.path.endsWith("/self.yml"))!.content));
const cases = readdirSync(FIXTURES).filter((f) => f.endsWith(".promtool.yaml")).sort();

test("there are promtool rule tests", () => {
  assert.ok(cases.length >= 5, `found ${cases.join(", ")}`);
});

for (const name of cases) {
  test(`promtool test rules ${name}`, () => {
    requireTool("promtool");
    copyFileSync(join(FIXTURES, name), join(dir, name));
    const { status, output } = run("promtool", ["test", "rules", name], { cwd: dir });
    assert.equal(status, 0, output);
  });
}
