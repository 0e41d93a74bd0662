// What `vigil render` writes: every host's files under <host>/root/<absolute path> and its ordered
// steps in <host>/plan.json. Pure, so golden tests compare it without touching the disk.
import { createHash } from "node:crypto";
import type { Spec } from "../schema/spec-schema.ts";
import { planForHost } from "./host-plan.ts";
import { stepHash, type HostPlan, type PlanContext } from "./plan.ts";
import { stepCommand } from "./step-script.ts";

/** plan.json of one host: the steps as `vigil apply` and Pulumi run them, secrets by name only. */
export function planJson(plan: HostPlan, opts: { sudo?: boolean } = {}): string {
  const steps = plan.steps.map((step) => ({
    id: step.id,
    description: step.description,
    hash: stepHash(step),
    command: stepCommand(step, opts),
    files: step.files.map((f) =>
      f.secret !== undefined
        ? { path: f.path, mode: f.mode, owner: f.owner, secret: f.secret, ...(f.derived ? { derivedFor: f.derived.label } : {}) }
        : {
            path: f.path,
            mode: f.mode,
            owner: f.owner,
            bytes: Buffer.byteLength(f.content ?? ""),
            sha256: createHash("sha256").update(f.content ?? "").digest("hex"),
          },
    ),
    ...(step.probe !== undefined ? { probe: step.probe } : {}),
    ...(step.validate !== undefined ? { validate: step.validate } : {}),
    ...(step.run !== undefined ? { run: step.run } : {}),
    ...(step.reload !== undefined ? { reload: step.reload } : {}),
  }));
  return JSON.stringify({ host: plan.host, roles: plan.roles, steps }, null, 2) + "\n";
}

/**
 * Every file `vigil render` writes, by path relative to the output directory. Secret files are
 * not written (their values never leave the host that uses them); plan.json names them.
 */
export function renderTree(spec: Spec, ctx: PlanContext): Map<string, string> {
  const out = new Map<string, string>();
  const sudo = spec.access.user !== "root";
  for (const host of spec.hosts) {
    const plan = planForHost(spec, host.name, ctx);
    for (const step of plan.steps) {
      for (const file of step.files) {
        if (file.secret === undefined) out.set(`${host.name}/root${file.path}`, file.content ?? "");
      }
    }
    out.set(`${host.name}/plan.json`, planJson(plan, { sudo }));
  }
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
