// Shared by the node-role tests: the repository's stacks as typed specs, and small process helpers.
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecFile } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";

export const REPO = new URL("../../", import.meta.url).pathname;

export function stack(name: "dev" | "prod"): Spec {
  const result = loadSpecFile(join(REPO, "stacks", `${name}.yaml`));
  if (!result.ok) throw new Error(`stacks/${name}.yaml does not load: ${JSON.stringify(result.errors)}`);
  return result.spec;
}

/** A deep copy of a spec with `edit` applied: specs are plain data. */
export function edited(spec: Spec, edit: (s: Spec) => void): Spec {
  const copy = structuredClone(spec);
  edit(copy);
  return copy;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program; fails loudly (not a skip) when the program is missing. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", cwd: opts.cwd ?? tmpdir(), input: opts.input, env: opts.env ?? process.env, timeout: 60_000 });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); .ci/run installs it`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory, removed when the calling test ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
