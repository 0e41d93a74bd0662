// Helpers of the hub-role tests: the rendered hub of a spec, in a temporary directory, and the
// real Debian tools (promtool, amtool, blackbox exporter), which must be installed (.ci/run).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { loadSpecFile } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { type PlanContext, type PlanStep } from "../../provisioning/plan.ts";
import { hubRoleSteps } from "../../provisioning/hub/hub-role.ts";
import { scratchDir } from "../scratch-dir.ts";

export const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
export const STACKS = new URL("../../stacks/", import.meta.url).pathname;

export function loadSpec(file: string): Spec {
  const result = loadSpecFile(file);
  if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.errors)}`);
  return result.spec;
}

export function hubSteps(spec: Spec, ctx: PlanContext = offlineContext(spec), hubName?: string): PlanStep[] {
  const hub = spec.hosts.find((h) => (hubName ? h.name === hubName : h.roles.includes("hub")));
  if (!hub) throw new Error("spec has no hub");
  return hubRoleSteps(spec, hub, ctx);
}

/** Content of the plan file at `path` among the steps. */
export function fileContent(steps: PlanStep[], path: string): string {
  const file = steps.flatMap((s) => s.files).find((f) => f.path === path);
  if (file?.content === undefined) throw new Error(`no content file ${path} in the hub plan`);
  return file.content;
}

/** Writes every content file of the steps under `root` (same absolute paths below it). */
export function writeTree(steps: PlanStep[], root: string): void {
  for (const file of steps.flatMap((s) => s.files)) {
    if (file.content === undefined) continue;
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
}

export const tempDir = (prefix: string): string => scratchDir(`vigil-hub-${prefix}-`);

export { withoutAnnotations } from "../../provisioning/rules/rule-file.ts";

/** Runs a tool; returns exit status and combined output. Throws (loudly) when it is not installed. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): { status: number; output: string; stdout: string } {
  const result = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: "utf8", timeout: 300_000 });
  if (result.error) throw new Error(`${cmd} could not run (${result.error.message}); .ci/run installs it from Debian`);
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

export function requireTool(cmd: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "pipe" });
  } catch {
    throw new Error(`${cmd} is not installed; .ci/run installs it (Debian packages prometheus, prometheus-alertmanager, prometheus-blackbox-exporter)`);
  }
}
