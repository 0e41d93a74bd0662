// Shared helpers of the agent tests: they run the BUILT bundle (what ships), real sqlite3, and
// a real PM2 daemon.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDir } from "../scratch-dir.ts";
import { PM2_DEFAULT_MIN_UPTIME_MS } from "../../agent/src/pm2-probe.ts";
import { BUILT_BUNDLE, BUILT_CONFIG_CHECK } from "../../agent/bundle-files.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BUNDLE = BUILT_BUNDLE;
/** The config check the bundle loads from beside itself (agent/build.ts). */
export const CONFIG_BUNDLE = BUILT_CONFIG_CHECK;
export const PM2 = join(ROOT, "node_modules", "pm2", "bin", "pm2");
export const SQLITE3 = "/usr/bin/sqlite3";

/** Debian 12's Node version and one with node:sqlite, from test/agent/fetch-node.sh. */
export const NODE18 = join(ROOT, ".cache", "node18", "bin", "node");
export const NODE22 = join(ROOT, ".cache", "node22", "bin", "node");

export function requireNode(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run test/agent/fetch-node.sh`);
  return path;
}

export function requireTools(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build`);
  if (!existsSync(SQLITE3)) throw new Error(`${SQLITE3} is missing: apt-get install sqlite3`);
}

/** A temporary directory that an unprivileged user can traverse (removed at exit at the latest). */
export function tempDir(prefix: string): string {
  const dir = scratchDir(`vigil-agent-${prefix}-`);
  chmodSync(dir, 0o755);
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

export interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Run as this unprivileged user (setpriv: uid, gid, no supplementary groups). */
  asUser?: string;
  /** The node binary (default: the one running the tests). */
  node?: string;
  env?: NodeJS.ProcessEnv;
}

const reachable = new Map<string, string>();
process.once("exit", () => {
  for (const [key, copy] of reachable) if (!key.endsWith(`\0${copy}`)) rmSync(dirname(copy), { recursive: true, force: true });
});
/**
 * `path`, or a copy of it in a world-traversable temp dir when `user` cannot reach it: the
 * checkout may sit under a 0700 directory (a CI clone in `mktemp -d`, /root).
 */
function reachableBy(user: string, path: string): string {
  const key = `${user}\0${path}`;
  let found = reachable.get(key);
  if (found === undefined) {
    const probe = spawnSync("setpriv", [`--reuid=${user}`, `--regid=${groupOf(user)}`, "--clear-groups", "test", "-r", path]);
    if (probe.status === 0) found = path;
    else {
      found = join(tempDir("reachable"), basename(path));
      // The bundle loads its config check from its own folder: that file travels with it.
      for (const file of path === BUNDLE ? [path, CONFIG_BUNDLE] : [path]) {
        const copy = join(dirname(found), basename(file));
        copyFileSync(file, copy);
        chmodSync(copy, 0o755);
      }
    }
    reachable.set(key, found);
  }
  return found;
}

const groupOf = (user: string) => (user === "nobody" ? "nogroup" : user);

export function runAgent(args: readonly string[], options: RunOptions = {}): Promise<AgentRun> {
  const node = options.node ?? process.execPath;
  const user = options.asUser;
  const [command, argv] = user
    ? ["setpriv", [`--reuid=${user}`, `--regid=${groupOf(user)}`, "--clear-groups", reachableBy(user, node), reachableBy(user, BUNDLE), ...args]]
    : [node, [BUNDLE, ...args]];
  return new Promise((done) => {
    execFile(command, argv, { env: options.env ?? { PATH: process.env.PATH }, timeout: 60_000 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

/** `name{labels}` → value, from exposition text. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

export function writeConfig(dir: string, text: string, name = "agent.yaml"): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  chmodSync(file, 0o644);
  return file;
}

/** Runs SQL through the sqlite3 CLI (as root) and returns stdout. */
export function sql(db: string, statements: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(SQLITE3, ["-batch", "-bail", db, statements], (error, stdout, stderr) => (error ? fail(new Error(`${error.message}: ${stderr}`)) : done(String(stdout))));
  });
}

/**
 * A long-lived sqlite3 process: the application's connection. `send` writes statements and
 * resolves once they have run (a marker line is echoed back).
 */
export class SqliteSession {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = "";
  private stdout = "";
  private marker = 0;

  constructor(db: string, setup: string[] = []) {
    this.child = spawn(SQLITE3, ["-batch", ...setup.flatMap((s) => ["-cmd", s]), db]);
    this.child.stdout.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr.on("data", (d: Buffer) => (this.stderr += d.toString()));
  }

  send(statements: string): Promise<void> {
    const mark = `vigil-mark-${++this.marker}`;
    this.child.stdin.write(`${statements}\nSELECT '${mark}';\n`);
    return new Promise((done, fail) => {
      const started = Date.now();
      const poll = () => {
        if (this.stdout.includes(mark)) return done();
        if (this.child.exitCode !== null || Date.now() - started > 30_000) return fail(new Error(`sqlite3 session did not answer: ${this.stderr}`));
        setTimeout(poll, 10);
      };
      poll();
    });
  }

  close(): Promise<void> {
    return new Promise((done) => {
      if (this.child.exitCode !== null) return done();
      this.child.once("exit", () => done());
      this.child.stdin.end();
      setTimeout(() => this.child.kill("SIGKILL"), 5000).unref();
    });
  }
}

/**
 * Waits until an app that `pm2 start` launched before `launchedBy` (a Date.now() taken after the
 * command returned) has been up for PM2's default min_uptime: only then does the agent count it
 * online (pm2-probe.ts). Without the wait, a fast machine collects inside that second and reads 0.
 */
export async function pastPm2MinUptime(launchedBy: number): Promise<void> {
  const left = launchedBy + PM2_DEFAULT_MIN_UPTIME_MS - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left + 50));
}

/** Polls `check` until it returns a value (not undefined) or `ms` pass. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
