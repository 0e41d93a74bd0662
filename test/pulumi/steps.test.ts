// Every remote step is byte-identical to what `vigil apply` runs, and steps run in plan order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { previewCloudResources, UNKNOWN } from "../../components/cloud-preview.ts";
import { decodeStageUpload, stageUploadCommand } from "../../components/stage-upload.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { stepHash, stepSecrets } from "../../provisioning/plan.ts";
import { secretsStdin, stagedFiles, stepCommand } from "../../provisioning/step-script.ts";
import { specSecretNames } from "../../components/program.ts";
import { stepRemoteCommands } from "../../bin/apply-engine.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { fixturePlanner } from "./fixtures/fixture-planner.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, named, revealed } from "./helpers.ts";

/** A distinctive value for every secret the spec names. */
const secretsFor = (spec: Spec) => Object.fromEntries(specSecretNames(spec).map((n) => [n, `fixture-value-of-${n}-\u00e9'"$`]));

/** The example stacks (root) and the existing-servers fixture (user deploy, with sudo). */
const CASES = Object.entries(SPEC_FILES).map(([label, file]) => [label, () => loadSpec(file)] as const);
CASES.push(["prod as a sudo user", () => loadEdited(SPEC_FILES.prod, /user: root/, "user: deploy")]);

for (const [label, load] of CASES) {
  for (const [plannerName, planner] of [["planForHost", planForHost], ["with fixture steps", fixturePlanner]] as const) {
    test(`${label} (${plannerName}): uploads and commands are exactly the Plan's, in plan order`, async () => {
      const spec = load();
      const SECRETS = secretsFor(spec);
      const dependencies = new Map<string, string[]>();
      const rs = await previewCloudResources(spec, { planHost: planner, secrets: SECRETS, revealSecrets: true, dependencies });
      let checked = 0;
      for (const host of spec.hosts) {
        // Under mocks the droplets get offlineContext's addresses: the plan `vigil render` shows.
        const plan = planner(spec, host.name, offlineContext(spec));
        const sudo = spec.access.user !== "root";
        if (label !== "existing" && label !== "prod as a sudo user") assert.equal(sudo, false, `${label} logs in as root`);
        let previous = host.existing ? undefined : named(rs, T.command, `${host.name}-boot`);
        for (const step of plan.steps) {
          const upload = named(rs, T.command, `${host.name}-${step.id}-stage`);
          const run = named(rs, T.command, `${host.name}-${step.id}`);

          // The very upload `vigil apply` runs when it logs in as access.user: same command, same
          // stdin (the staged files, modes and bytes)...
          const applied = stepRemoteCommands(step, spec.access.user);
          assert.equal(upload.inputs.create, applied.upload.command);
          assert.equal(upload.inputs.stdin, applied.upload.stdin);
          assert.deepEqual(decodeStageUpload(String(upload.inputs.stdin)), stagedFiles(step).map(({ path, mode, content }) => ({ mode, path, content })));
          assert.equal(upload.inputs.create, stageUploadCommand(step, { sudo }));
          // ...then the same command, byte for byte: `sudo -n` in front exactly when not root.
          assert.equal(run.inputs.create, applied.run.command);
          assert.equal(run.inputs.create, sudo ? `sudo -n ${stepCommand(step)}` : stepCommand(step));
          assert.equal(String(upload.inputs.create).startsWith("sudo -n "), sudo);
          // ...with the same stdin.
          if (stepSecrets(step).length > 0) assert.equal(revealed(run.inputs.stdin), secretsStdin(step, SECRETS));
          else assert.equal(run.inputs.stdin, undefined);
          assert.deepEqual(upload.inputs.triggers, [stepHash(step)]);
          assert.deepEqual(run.inputs.triggers, [stepHash(step)]);

          // Order: the upload waits for the previous step, the step waits for its upload.
          assert.ok(dependencies.get(run.urn)!.includes(upload.urn), `${run.name} after its upload`);
          if (previous) assert.ok(dependencies.get(upload.urn)!.includes(previous.urn), `${upload.name} after ${previous.name}`);
          previous = run;
          checked++;
        }
      }
      if (plannerName !== "planForHost") assert.ok(checked >= 3, `fixture steps were checked (${checked})`);
    });
  }
}

test("the upload command unpacks exactly the staged files (real bash, a scratch directory)", async () => {
  const { execFileSync } = await import("node:child_process");
  const { readFileSync, statSync } = await import("node:fs");
  const { scratchDir } = await import("../scratch-dir.ts");
  const { join } = await import("node:path");
  const spec = loadSpec(SPEC_FILES.prod);
  const step = fixturePlanner(spec, "monitor", offlineContext(spec)).steps.find((s) => s.id === "fixture-scrape")!;
  const { stageUploadStdin } = await import("../../components/stage-upload.ts");
  const { stageDir } = await import("../../provisioning/step-script.ts");
  const root = scratchDir("vigil-stage-");
  // Run the very command text with the stage directory moved under the scratch root.
  const command = stageUploadCommand(step).replaceAll(stageDir(step), join(root, stageDir(step)));
  execFileSync("bash", ["-c", command], { input: stageUploadStdin(step) });
  for (const f of stagedFiles(step)) {
    const path = join(root, stageDir(step), f.path);
    assert.equal(readFileSync(path, "utf8"), f.content);
    assert.equal((statSync(path).mode & 0o777).toString(8).padStart(4, "0"), f.mode);
  }
});

test("preview of a new stack: the same resources; only address-dependent steps wait for the droplets", async () => {
  const spec = loadSpec(SPEC_FILES.prod);
  const preview = await previewCloudResources(spec, { planHost: fixturePlanner, preview: true });
  const up = await previewCloudResources(spec, { planHost: fixturePlanner });
  const names = (rs: typeof up) => rs.map((r) => `${r.type} ${r.name}`).sort();
  assert.deepEqual(names(preview), names(up), "no resource is created inside an apply");
  let known = 0;
  let unknown = 0;
  for (const host of spec.hosts) {
    const offline = fixturePlanner(spec, host.name, offlineContext(spec)).steps;
    const moved = fixturePlanner(spec, host.name, { privateAddress: Object.fromEntries(spec.hosts.map((h, i) => [h.name, `10.20.0.${200 + i}`])) }).steps;
    offline.forEach((step, i) => {
      const run = named(preview, T.command, `${host.name}-${step.id}`);
      if (stepHash(step) === stepHash(moved[i]!)) {
        assert.equal(run.inputs.create, stepCommand(step), `${run.name} is known at preview`);
        known++;
      } else {
        assert.equal(run.inputs.create, UNKNOWN, `${run.name} waits for the addresses`);
        unknown++;
      }
    });
  }
  assert.ok(known > 0 && unknown > 0, `known ${known}, unknown ${unknown}`);
});
