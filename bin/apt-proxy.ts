// apt inside the fleet's containers: they have no route out (local-network.ts), so apt goes
// through Debian's `apt-cacher-ng` on this machine, listening on the bridge address only.
//
// Debian facts (apt-cacher-ng 3.7): options may be given as `key=value` arguments after `-c DIR`;
// `ForceManaged: 1` refuses every URL that no Remap- rule covers, so the proxy speaks only to the
// Debian mirror (and its security archive), never to an arbitrary host a container names;
// `BindAddress` limits the listener (all interfaces by default). Its cache lives under the vigil
// cache dir, so a second fleet (and the second host of a fleet) downloads nothing again.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { portAnswers } from "./port-answers.ts";

export const APT_PROXY_PORT = 3142;
/** Where the containers' apt finds the proxy setting. */
export const APT_PROXY_CONF = "/etc/apt/apt.conf.d/00vigil-proxy";

export class AptProxyError extends Error {}

export interface AptProxyPaths {
  /** Config dir (acng.conf), pid and log: the fleet's state dir. */
  dir: string;
  /** The package cache: under the vigil cache dir. */
  cacheDir: string;
}

/** `http://deb.debian.org/debian` → `deb.debian.org/debian` (apt-cacher-ng's remap syntax). */
const hostPath = (url: string) => url.replace(/^https?:\/\//, "").replace(/\/+$/, "");

/** acng.conf for the fleet's proxy. Pure. */
export function aptProxyConfig(p: AptProxyPaths, bindAddress: string, mirror: string): string {
  const archive = hostPath(mirror);
  const security = archive.replace(/\/debian$/, "/debian-security");
  return `# Written by vigil local: the fleet's apt proxy (apt-cacher-ng), on the bridge address only.
CacheDir: ${join(p.cacheDir)}
LogDir: ${join(p.dir, "log")}
SupportDir: /usr/lib/apt-cacher-ng
Port: ${APT_PROXY_PORT}
BindAddress: ${bindAddress}
PidFile: ${join(p.dir, "apt-cacher-ng.pid")}
ForeGround: 1
# Only the Debian archive and its security archive: anything else is refused.
ForceManaged: 1
Remap-debrep: file:deb_mirror*.gz /debian ${archive} ; http://${archive}/
Remap-secdeb: security.debian.org security.debian.org/debian-security ${security} /debian-security ; http://${security}/
ExThreshold: 4
`;
}

/** The apt setting inside a container. Pure. */
export const aptProxySetting = (gateway: string): string =>
  `// Written by vigil local: this container has no route out; apt goes through apt-cacher-ng on the bridge.\nAcquire::http::Proxy "http://${gateway}:${APT_PROXY_PORT}";\n`;


const pidFile = (p: AptProxyPaths) => join(p.dir, "proxy.pid");

/** The proxy's pid when it is ours and alive. */
export function aptProxyPid(p: AptProxyPaths): number | undefined {
  if (!existsSync(pidFile(p))) return undefined;
  const pid = Number(readFileSync(pidFile(p), "utf8"));
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((a) => a.endsWith("apt-cacher-ng")) && argv.includes(p.dir) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the proxy (or finds it running) and waits until it answers on the bridge. */
export async function startAptProxy(p: AptProxyPaths, bindAddress: string, mirror: string): Promise<{ pid: number; reused: boolean }> {
  const running = aptProxyPid(p);
  if (running !== undefined && (await portAnswers(APT_PROXY_PORT, bindAddress))) return { pid: running, reused: true };
  if (running !== undefined) await stopAptProxy(p);
  if (await portAnswers(APT_PROXY_PORT, bindAddress)) {
    throw new AptProxyError(`${bindAddress}:${APT_PROXY_PORT} is already taken by another process; the fleet's apt proxy needs it`);
  }
  mkdirSync(join(p.dir, "log"), { recursive: true });
  mkdirSync(p.cacheDir, { recursive: true });
  writeFileSync(join(p.dir, "acng.conf"), aptProxyConfig(p, bindAddress, mirror));
  const logFd = openSync(join(p.dir, "log", "stdout.log"), "a");
  const child = spawn("apt-cacher-ng", ["-c", p.dir], { detached: true, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  if (child.pid === undefined) throw new AptProxyError("could not start apt-cacher-ng (is the apt-cacher-ng package installed?)");
  child.unref();
  writeFileSync(pidFile(p), String(child.pid));
  for (let i = 0; i < 100; i++) {
    if (await portAnswers(APT_PROXY_PORT, bindAddress)) return { pid: child.pid, reused: false };
    if (aptProxyPid(p) === undefined) break;
    await sleep(100);
  }
  const log = existsSync(join(p.dir, "log", "stdout.log")) ? readFileSync(join(p.dir, "log", "stdout.log"), "utf8").trim().split("\n").slice(-5).join("\n") : "";
  await stopAptProxy(p);
  throw new AptProxyError(`apt-cacher-ng did not answer on ${bindAddress}:${APT_PROXY_PORT}:\n${log}`);
}

/** Stops the proxy if it runs; returns whether it did. */
export async function stopAptProxy(p: AptProxyPaths): Promise<boolean> {
  const pid = aptProxyPid(p);
  if (pid === undefined) {
    rmSync(pidFile(p), { force: true });
    return false;
  }
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && aptProxyPid(p) !== undefined; i++) await sleep(100);
  if (aptProxyPid(p) !== undefined) process.kill(pid, "SIGKILL");
  rmSync(pidFile(p), { force: true });
  return true;
}
