// A threshold change updates only the commands that carry it: no droplet is replaced.
import { test } from "node:test";
import assert from "node:assert/strict";
import { previewCloudResources, type CloudResource } from "../../components/cloud-preview.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { stepHash } from "../../provisioning/plan.ts";
import { fixturePlanner } from "./fixtures/fixture-planner.ts";
import { SPEC_FILES, T, loadEdited, loadSpec } from "./helpers.ts";

const byUrn = (rs: CloudResource[]) => new Map(rs.map((r) => [r.urn, r]));

test("cpu critical 90 → 85 in prod: only the steps carrying it and the CPU monitor alert change", async () => {
  const before = loadSpec(SPEC_FILES.prod);
  const after = loadEdited(SPEC_FILES.prod, "cpu:    { warning: 70, critical: 90, for: 5m }", "cpu:    { warning: 70, critical: 85, for: 5m }");
  assert.equal(after.thresholds.cpu.critical, 85);
  const old = byUrn(await previewCloudResources(before, { planHost: fixturePlanner }));
  const now = byUrn(await previewCloudResources(after, { planHost: fixturePlanner }));
  assert.deepEqual([...now.keys()].sort(), [...old.keys()].sort(), "no resource appears or disappears");

  // The steps whose content changed, computed from the plans alone.
  const changedSteps = new Set<string>();
  for (const host of before.hosts) {
    const a = fixturePlanner(before, host.name, offlineContext(before)).steps;
    const b = fixturePlanner(after, host.name, offlineContext(after)).steps;
    a.forEach((step, i) => {
      if (stepHash(step) !== stepHash(b[i]!)) changedSteps.add(`${host.name}-${step.id}`);
    });
  }
  assert.ok(changedSteps.has("app-1-fixture-thresholds") && changedSteps.has("monitor-fixture-rules"), [...changedSteps].join(", "));

  const changed = [...now.values()].filter((r) => JSON.stringify(r.inputs) !== JSON.stringify(old.get(r.urn)!.inputs)).map((r) => `${r.type} ${r.name}`);
  const expected = [
    ...[...changedSteps].flatMap((s) => [`${T.command} ${s}`, `${T.command} ${s}-stage`]),
    `${T.monitorAlert} dcg-prod-cpu-critical`,
    "vigil:index:DropletMonitorAlerts dcg-prod",
    `${T.spec} prod`,
  ];
  assert.deepEqual(changed.sort(), expected.sort());
  for (const droplet of [...now.values()].filter((r) => r.type === T.droplet)) {
    assert.deepEqual(droplet.inputs, old.get(droplet.urn)!.inputs, `${droplet.name} is not replaced`);
  }
});
