// plan.json as `vigil render` writes it (provisioning/render-tree.ts): the command each step runs
// (with sudo for a non-root access user), and what it says of each file without its secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { DERIVED_PLACEHOLDER, stepHash, type HostPlan } from "../../provisioning/plan.ts";
import { planJson, renderTree } from "../../provisioning/render-tree.ts";
import { stageDir } from "../../provisioning/step-script.ts";
import { edited, stack } from "../node-role/helpers.ts";

test("a non-root access user runs every step through sudo -n; root runs it directly", () => {
  const prod = stack("prod");
  assert.equal(prod.access.user, "root");
  const deploy = edited(prod, (s) => void (s.access.user = "deploy"));
  for (const [spec, prefix] of [[prod, "bash "], [deploy, "sudo -n bash "]] as const) {
    const tree = renderTree(spec, offlineContext(spec));
    const plans = [...tree].filter(([path]) => path.endsWith("/plan.json"));
    assert.equal(plans.length, spec.hosts.length);
    for (const [path, text] of plans) {
      const steps = (JSON.parse(text) as { steps: { command: string }[] }).steps;
      assert.ok(steps.length > 0, path);
      for (const s of steps) assert.ok(s.command.startsWith(`${prefix}/var/lib/vigil/stage/`), `${path}: ${s.command}`);
    }
  }
});

test("plan.json names a secret file and the host its derived value is for, never a value; a content file by size and sha256", () => {
  const plan: HostPlan = {
    host: "app-1",
    roles: ["node"],
    steps: [
      {
        id: "demo",
        description: "files of every kind",
        files: [
          { path: "/etc/demo/plain.conf", mode: "0644", owner: "root:root", content: "héllo\n" },
          { path: "/etc/demo/empty.conf", mode: "0644", owner: "root:root", content: "" },
          { path: "/etc/demo/token", mode: "0600", owner: "root:root", secret: "apiToken" },
          { path: "/etc/demo/creds.yaml", mode: "0600", owner: "root:root", secret: "fleetKey", derived: { label: "machine:app-1", template: `password: ${DERIVED_PLACEHOLDER}\n` } },
        ],
        run: "true",
      },
    ],
  };
  const step = plan.steps[0]!;
  const json = JSON.parse(planJson(plan));
  assert.deepEqual(json, {
    host: "app-1",
    roles: ["node"],
    steps: [
      {
        id: "demo",
        description: "files of every kind",
        hash: stepHash(step),
        command: `bash ${stageDir(step)}/step.sh`,
        files: [
          { path: "/etc/demo/plain.conf", mode: "0644", owner: "root:root", bytes: 7, sha256: createHash("sha256").update("héllo\n").digest("hex") },
          { path: "/etc/demo/empty.conf", mode: "0644", owner: "root:root", bytes: 0, sha256: createHash("sha256").update("").digest("hex") },
          { path: "/etc/demo/token", mode: "0600", owner: "root:root", secret: "apiToken" },
          { path: "/etc/demo/creds.yaml", mode: "0600", owner: "root:root", secret: "fleetKey", derivedFor: "machine:app-1" },
        ],
        run: "true",
      },
    ],
  });
  assert.equal(JSON.parse(planJson(plan, { sudo: true })).steps[0].command, `sudo -n bash ${stageDir(step)}/step.sh`);
});
