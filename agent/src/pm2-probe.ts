// PM2 checks for one configured daemon. The daemon must be proven alive BEFORE anything talks to
// it: pm2.pid names a live process and rpc.sock is a socket. Only then one RPC call,
// getMonitorData, over the socket. Nothing here can start a daemon or exit the process.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Pm2Daemon } from "../../schema/spec-schema.ts";
import { sample, type Sample } from "./metrics.ts";
import { callPm2 } from "./pm2-rpc.ts";

/** The fields of a getMonitorData entry the agent reads. */
interface Pm2Process {
  name?: string;
  pm2_env?: { status?: string; restart_time?: number; pm_uptime?: number; min_uptime?: number | string; pmx_module?: boolean };
  monit?: { memory?: number; cpu?: number };
}

export interface Pm2ProbeResult {
  samples: Sample[];
  /** Why the daemon counts as down; undefined when it answered. */
  error?: string;
  /** When an instance that PM2 has just started will have been up its min_uptime (epoch ms): collect again then. */
  settlesAtMs?: number;
}

/**
 * PM2's own default `min_uptime` (ms): God.js counts an exit sooner than this after a start as an
 * "unstable restart" (and gives up after max_restarts of them), whatever the status said meanwhile.
 */
export const PM2_DEFAULT_MIN_UPTIME_MS = 1000;

/** An instance's min_uptime in ms: PM2 keeps it as a number of ms in pm2_env (the CLI parses "3s"). */
function minUptimeMs(p: Pm2Process): number {
  const v = Number(p.pm2_env?.min_uptime);
  return Number.isFinite(v) && v >= 0 ? v : PM2_DEFAULT_MIN_UPTIME_MS;
}

export interface AppSamples {
  samples: Sample[];
  /** The earliest moment a just-started instance reaches its min_uptime; undefined when none is young. */
  settlesAtMs?: number;
}

/** The home directory of `user` from /etc/passwd (Node has no getpwnam). */
export function homeOf(user: string, passwd = "/etc/passwd"): string | undefined {
  for (const line of readFileSync(passwd, "utf8").split("\n")) {
    const fields = line.split(":");
    if (fields[0] === user && fields.length >= 7) return fields[5];
  }
  return undefined;
}

export const pm2HomeOf = (daemon: Pm2Daemon): string | undefined => daemon.pm2Home ?? mapOrUndefined(homeOf(daemon.user), (h) => join(h, ".pm2"));
const mapOrUndefined = <T, U>(v: T | undefined, f: (v: T) => U) => (v === undefined ? undefined : f(v));

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

/** Undefined when a live daemon is there to ask; otherwise why not. Never touches the socket. */
export function daemonAbsence(pm2Home: string): string | undefined {
  let pidText: string;
  try {
    pidText = readFileSync(join(pm2Home, "pm2.pid"), "utf8");
  } catch (err) {
    return errno(err) === "ENOENT" ? `no ${pm2Home}/pm2.pid: daemon not running` : `cannot read ${pm2Home}/pm2.pid: ${errno(err)}`;
  }
  const pid = Number(pidText.trim());
  if (!Number.isInteger(pid) || pid <= 0) return `${pm2Home}/pm2.pid holds no pid`;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but another user's process, which is the normal case for the agent's user.
    if (errno(err) !== "EPERM") return `pid ${pid} from ${pm2Home}/pm2.pid is not running (stale pid file)`;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    if (!/PM2|God Daemon|pm2/.test(cmdline)) return `pid ${pid} from ${pm2Home}/pm2.pid is not a PM2 daemon`;
  } catch {
    // /proc may hide other users' processes (hidepid): the socket check below decides.
  }
  try {
    if (!statSync(join(pm2Home, "rpc.sock")).isSocket()) return `${pm2Home}/rpc.sock is not a socket`;
  } catch (err) {
    return `cannot stat ${pm2Home}/rpc.sock: ${errno(err)}`;
  }
  return undefined;
}

/**
 * Per-app samples from getMonitorData; instances of one app (cluster mode) are summed. An instance
 * counts as online once it has stayed `online` for its min_uptime, as PM2 itself judges a start:
 * a crash-looping app shows `online` for a moment after each of PM2's restarts, and reporting that
 * moment would restart Pm2AppDown's confirm window at every restart (BENCHMARKS.md, issue 18).
 */
export function appSamples(user: string, processes: readonly Pm2Process[], expected: readonly string[], nowMs: number): AppSamples {
  const apps = new Map<string, Pm2Process[]>();
  for (const p of processes) {
    if (typeof p.name !== "string" || p.pm2_env?.pmx_module) continue;
    apps.set(p.name, [...(apps.get(p.name) ?? []), p]);
  }
  const out: Sample[] = [];
  let settlesAtMs: number | undefined;
  const names = [...new Set([...expected, ...apps.keys()])];
  for (const app of names) {
    const labels = { pm2_user: user, app };
    const instances = apps.get(app);
    if (!instances) {
      out.push(sample("vigil_pm2_app_online", labels, 0));
      continue;
    }
    const started = (p: Pm2Process) => Number(p.pm2_env?.pm_uptime) || 0;
    const online = instances.every((p) => p.pm2_env?.status === "online" && nowMs - started(p) >= minUptimeMs(p));
    for (const p of instances) {
      const settles = started(p) + minUptimeMs(p);
      if (p.pm2_env?.status === "online" && settles > nowMs) settlesAtMs = Math.min(settlesAtMs ?? settles, settles);
    }
    const sum = (f: (p: Pm2Process) => number | undefined) => instances.reduce((n, p) => n + (Number(f(p)) || 0), 0);
    const starts = instances.map(started);
    out.push(
      sample("vigil_pm2_app_online", labels, online ? 1 : 0),
      sample("vigil_pm2_app_restarts_total", labels, sum((p) => p.pm2_env?.restart_time)),
      sample("vigil_pm2_app_memory_bytes", labels, sum((p) => p.monit?.memory)),
      sample("vigil_pm2_app_cpu_percent", labels, sum((p) => p.monit?.cpu)),
      sample("vigil_pm2_app_uptime_seconds", labels, online && starts.length ? Math.max(0, (nowMs - Math.max(...starts)) / 1000) : 0),
    );
  }
  return { samples: out, settlesAtMs };
}

/** vigil_pm2_up and the app samples of one daemon; a daemon that is not there is `up 0`. */
export async function probePm2(daemon: Pm2Daemon, timeoutMs: number): Promise<Pm2ProbeResult> {
  const up = (v: number) => sample("vigil_pm2_up", { pm2_user: daemon.user }, v);
  const down = (error: string): Pm2ProbeResult => ({ samples: [up(0), ...appSamples(daemon.user, [], daemon.apps, Date.now()).samples], error });
  let home: string | undefined;
  try {
    home = pm2HomeOf(daemon);
  } catch (err) {
    return down(`cannot read /etc/passwd: ${errno(err)}`);
  }
  if (home === undefined) return down(`no user "${daemon.user}" in /etc/passwd (set pm2Home)`);
  const absent = daemonAbsence(home);
  if (absent) return down(absent);
  try {
    const [list] = await callPm2(join(home, "rpc.sock"), "getMonitorData", [{}], timeoutMs);
    if (!Array.isArray(list)) return down("getMonitorData returned no list");
    const apps = appSamples(daemon.user, list as Pm2Process[], daemon.apps, Date.now());
    return { samples: [up(1), ...apps.samples], settlesAtMs: apps.settlesAtMs };
  } catch (err) {
    return down((err as Error).message);
  }
}
