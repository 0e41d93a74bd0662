// `promtool test rules`: every alert of SPEC.md fires when it should and not before, on the
// rules rendered from fixtures/hub-spec.yaml. Cases are in fixtures/*.promtool.yaml.
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
