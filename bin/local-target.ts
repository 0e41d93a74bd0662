// The local target: a Debian 12 system container on this machine, booted with systemd as PID 1
// (debootstrap + `systemd-nspawn -b`, FIELD-NOTES.md), reached over real SSH on a loopback port.
//
// Layout:
//   cache dir (VIGIL_CACHE_DIR, /var/cache/vigil): the root filesystem tarball, named by the hash
//     of its recipe and rebuilt when older than VIGIL_ROOT_MAX_AGE_DAYS (14); apt's downloaded
//     packages and lists, bind-mounted into the container so re-installs do not download again.
//   state dir (VIGIL_LOCAL_DIR, /var/lib/vigil-local): the container's root, vigil's SSH key,
//     known_hosts, the nspawn PID and log.
//
// The container shares this machine's network namespace (no NAT to set up; apt reaches the
// mirror): its services bind this machine's loopback ports. So only ONE such container may run
// on a machine at a time, whatever its state dir: a machine-wide slot file in /run records it.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync,
  statSync, unlinkSync, writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { SERVICE_PORTS } from "../provisioning/service-ports.ts";
import { portAnswers } from "./port-answers.ts";
import { sshRun, sshClose, type SshTarget } from "./ssh-transport.ts";

/** What the root filesystem is made of; a change here means a new tarball. */
export const ROOT_RECIPE = {
  version: 2,
  suite: "bookworm",
  mirror: process.env.VIGIL_DEBIAN_MIRROR ?? "http://deb.debian.org/debian",
  variant: "minbase",
  include: [
    "systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "ca-certificates",
    "python3", "procps", "curl", "less", "sqlite3",
  ],
} as const;

export interface LocalOptions {
  cacheDir: string;
  stateDir: string;
  /** sshd's port on loopback. */
  port: number;
  /** Rebuild the tarball when it is older than this. */
  maxAgeDays: number;
  /** Machine-wide slot file: one container at a time. */
  slotFile: string;
  log: (line: string) => void;
}

export function localOptions(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): LocalOptions {
  return {
    cacheDir: resolve(env.VIGIL_CACHE_DIR ?? "/var/cache/vigil"),
    stateDir: resolve(env.VIGIL_LOCAL_DIR ?? "/var/lib/vigil-local"),
    port: Number(env.VIGIL_LOCAL_PORT ?? 2222),
    maxAgeDays: Number(env.VIGIL_ROOT_MAX_AGE_DAYS ?? 14),
    slotFile: env.VIGIL_LOCAL_SLOT ?? "/run/vigil-local.json",
    log,
  };
}

/** A problem the user can act on: printed as one message, no stack trace. */
export class LocalTargetError extends Error {}

const MACHINE = "vigil-local";
/** Where `vigil local up` records the spec it applied (a bare `local status`, and the hub commands, use it). */
export const lastSpecFile = (o: LocalOptions): string => join(o.stateDir, "last-spec");
const rootDir = (o: LocalOptions) => join(o.stateDir, "root");
const keyFile = (o: LocalOptions) => join(o.stateDir, "id_ed25519");

/** The SSH target of the container. */
export const localSshTarget = (o: LocalOptions): SshTarget => ({
  user: "root",
  host: "127.0.0.1",
  port: o.port,
  identity: keyFile(o),
  knownHosts: join(o.stateDir, "known_hosts"),
});

// ---------------------------------------------------------------------------------------------
// Tools

export function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** debootstrap and systemd-nspawn, installed with apt when missing (root on Debian/Ubuntu). */
export function ensureTools(o: LocalOptions): void {
  const missing = [
    ["debootstrap", "debootstrap"],
    ["systemd-nspawn", "systemd-container"],
    ["ssh", "openssh-client"],
    ["ssh-keygen", "openssh-client"],
  ].filter(([cmd]) => !which(cmd!)).map(([, pkg]) => pkg!);
  if (process.getuid?.() !== 0) {
    throw new LocalTargetError("vigil local needs root (debootstrap and systemd-nspawn do): run it with sudo");
  }
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing)];
  if (!existsSync("/etc/debian_version") || !which("apt-get")) {
    throw new LocalTargetError(`vigil local needs ${pkgs.join(", ")}; install them (vigil installs them itself only on Debian/Ubuntu)`);
  }
  o.log(`installing ${pkgs.join(" ")} with apt-get`);
  const r = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], { stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new LocalTargetError(`apt-get install ${pkgs.join(" ")} failed (exit ${r.status})`);
}

// ---------------------------------------------------------------------------------------------
// The root filesystem tarball

export const recipeHash = (): string => createHash("sha256").update(JSON.stringify(ROOT_RECIPE)).digest("hex").slice(0, 12);
const compressor = (): "zstd" | "gzip" => (which("zstd") ? "zstd" : "gzip");
export const tarballPath = (o: LocalOptions): string =>
  join(o.cacheDir, `debian12-${recipeHash()}.tar.${compressor() === "zstd" ? "zst" : "gz"}`);

export function run(cmd: string, args: string[], what: string): void {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    const tail = `${r.stdout?.toString() ?? ""}${r.stderr?.toString() ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new LocalTargetError(`${what} failed (exit ${r.status ?? r.signal}):\n${tail}`);
  }
}

/** The cached root tarball, built (or rebuilt when stale) first. Returns its path. */
export async function ensureRootTarball(o: LocalOptions): Promise<{ path: string; built: boolean }> {
  const path = tarballPath(o);
  if (existsSync(path)) {
    const ageDays = (Date.now() - statSync(path).mtimeMs) / 86_400_000;
    if (ageDays <= o.maxAgeDays) return { path, built: false };
    o.log(`the Debian 12 root tarball is ${ageDays.toFixed(0)} days old: rebuilding`);
  }
  mkdirSync(o.cacheDir, { recursive: true });
  // One builder at a time: a second one waits, then finds the tarball made.
  const lockPath = join(o.cacheDir, "build.lock");
  for (;;) {
    try {
      writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      break;
    } catch {
      const holder = Number(readFileSync(lockPath, "utf8"));
      if (!pidAlive(holder)) {
        rmSync(lockPath, { force: true });
        continue;
      }
      o.log(`waiting for another build of the root (pid ${holder})`);
      while (pidAlive(holder) && existsSync(lockPath)) await sleep(2000);
      if (existsSync(path) && (Date.now() - statSync(path).mtimeMs) / 86_400_000 <= o.maxAgeDays) return { path, built: false };
    }
  }
  try {
    return buildRootTarball(o, path);
  } finally {
    rmSync(lockPath, { force: true });
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function buildRootTarball(o: LocalOptions, path: string): { path: string; built: boolean } {
  const build = join(o.cacheDir, `build-${process.pid}`);
  rmSync(build, { recursive: true, force: true });
  const t0 = Date.now();
  o.log(`building a Debian 12 root with debootstrap (once; cached in ${o.cacheDir})`);
  try {
    mkdirSync(join(o.cacheDir, "debootstrap-debs"), { recursive: true });
    run(
      "debootstrap",
      [
        `--variant=${ROOT_RECIPE.variant}`,
        `--include=${ROOT_RECIPE.include.join(",")}`,
        `--cache-dir=${join(o.cacheDir, "debootstrap-debs")}`,
        ROOT_RECIPE.suite,
        build,
        ROOT_RECIPE.mirror,
      ],
      "debootstrap",
    );
    customizeRoot(build);
    const tmp = `${path}.tmp-${process.pid}`;
    const z = compressor() === "zstd" ? "--zstd" : "--gzip";
    run("tar", ["--numeric-owner", "--xattrs", "--acls", z, "-C", build, "-cf", tmp, "."], "packing the root tarball");
    renameSync(tmp, path);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  o.log(`root tarball ready in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${path}`);
  return { path, built: true };
}

/** What a fresh DigitalOcean Debian 12 droplet has that debootstrap leaves out. */
function customizeRoot(root: string): void {
  const w = (rel: string, content: string, mode = 0o644) => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  };
  w(
    "etc/apt/sources.list",
    [
      `deb ${ROOT_RECIPE.mirror} bookworm main`,
      `deb ${ROOT_RECIPE.mirror} bookworm-updates main`,
      `deb ${ROOT_RECIPE.mirror.replace(/\/debian\/?$/, "/debian-security")} bookworm-security main`,
      "",
    ].join("\n"),
  );
  w("etc/hostname", `${MACHINE}\n`);
  w("etc/hosts", `127.0.0.1 localhost\n127.0.1.1 ${MACHINE}\n::1 localhost ip6-localhost ip6-loopback\n`);
  // Host keys are made per container (ssh-keygen -A at extraction), never shared via the cache.
  for (const f of readdirSync(join(root, "etc/ssh"))) if (/^ssh_host_.*key/.test(f)) rmSync(join(root, "etc/ssh", f));
  // The container shares the machine's network: nothing inside may reconfigure it.
  for (const unit of ["systemd-networkd.service", "systemd-resolved.service", "getty@tty1.service"]) {
    rmSync(join(root, "etc/systemd/system", unit), { force: true });
    symlinkSync("/dev/null", join(root, "etc/systemd/system", unit));
  }
  rmSync(join(root, "var/cache/apt/archives"), { recursive: true, force: true });
  mkdirSync(join(root, "var/cache/apt/archives/partial"), { recursive: true });
  rmSync(join(root, "var/lib/apt/lists"), { recursive: true, force: true });
  mkdirSync(join(root, "var/lib/apt/lists/partial"), { recursive: true });
  w("etc/machine-id", "");
}

// ---------------------------------------------------------------------------------------------
// Running state

export interface SlotRecord {
  /** systemd-nspawn's PID (of the first container, for a fleet). */
  pid: number;
  stateDir: string;
  port: number;
  startedAt: string;
  /** The container's PID namespace (`pid:[inode]`): finds its processes even after nspawn died. */
  pidns?: string;
  /** A fleet (local-fleet.ts): every container's nspawn, root and PID namespace. */
  members?: SlotMember[];
}

export interface SlotMember {
  pid: number;
  root: string;
  pidns?: string;
}

/** The containers a slot record stands for. */
export const slotMembers = (rec: SlotRecord): SlotMember[] =>
  rec.members ?? [{ pid: rec.pid, root: join(rec.stateDir, "root"), ...(rec.pidns ? { pidns: rec.pidns } : {}) }];

/** True while any container of the record runs. */
export const slotAlive = (rec: SlotRecord): boolean => slotMembers(rec).some((m) => isOurNspawn(m.pid, m.root));

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

const stateFile = (o: LocalOptions) => join(o.stateDir, "container.json");

/** True when `pid` is a live systemd-nspawn booting `root`. */
export function isOurNspawn(pid: number, root: string): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.some((a) => a.endsWith("systemd-nspawn")) && argv.includes(root);
  } catch {
    return false;
  }
}

interface ProcInfo {
  pid: number;
  ppid: number;
  /** PIDs in each nested namespace, outermost first. */
  nspid: number[];
  pidns: string;
}

function procs(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const nspid = (/^NSpid:\s+(.+)$/m.exec(status)?.[1] ?? entry).trim().split(/\s+/).map(Number);
      list.push({ pid: Number(entry), ppid, nspid, pidns: readlinkSync(`/proc/${entry}/ns/pid`) });
    } catch {
      /* gone, or not ours to read */
    }
  }
  return list;
}

/** The PID namespace of the container that nspawn `pid` started (its init, PID 1 inside). */
export function containerPidns(nspawnPid: number): string | undefined {
  const all = procs();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  for (const p of all) {
    if (p.nspid.length < 2 || p.nspid.at(-1) !== 1) continue;
    for (let q: ProcInfo | undefined = p, depth = 0; q && depth < 4; q = byPid.get(q.ppid), depth++) {
      if (q.ppid === nspawnPid) return p.pidns;
    }
  }
  return undefined;
}

/** Kills every process of a container's PID namespace (killing its init ends them all). */
export function killPidns(pidns: string): number {
  const members = procs().filter((p) => p.pidns === pidns);
  const init = members.find((p) => p.nspid.at(-1) === 1);
  for (const p of init ? [init] : members) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  return members.length;
}

export interface LocalStatus {
  running: boolean;
  pid?: number;
  port: number;
  root: string;
  /** Another state dir's container holds the machine's slot. */
  otherHolder?: SlotRecord;
}

export function localStatus(o: LocalOptions): LocalStatus {
  const root = rootDir(o);
  const mine = readJson<SlotRecord>(stateFile(o));
  if (mine && isOurNspawn(mine.pid, root)) return { running: true, pid: mine.pid, port: mine.port, root };
  const slot = readJson<SlotRecord>(o.slotFile);
  // Another state dir's container, or a fleet (even of this state dir), holds the machine.
  if (slot && (slot.stateDir !== o.stateDir || slot.members) && slotAlive(slot)) {
    return { running: false, port: o.port, root, otherHolder: slot };
  }
  return { running: false, port: o.port, root };
}

/** Kills what a crashed run left behind: container processes whose nspawn died, dead slots. */
export function clearStale(o: LocalOptions, records: (SlotRecord | undefined)[] = [readJson<SlotRecord>(stateFile(o))]): void {
  const seen = new Set<string>();
  for (const rec of [...records, readJson<SlotRecord>(o.slotFile)]) {
    if (!rec) continue;
    for (const m of slotMembers(rec)) {
      if (isOurNspawn(m.pid, m.root) || !m.pidns || seen.has(m.pidns)) continue;
      seen.add(m.pidns);
      const n = killPidns(m.pidns);
      if (n > 0) o.log(`stopped ${n} processes left by an earlier container (${m.root}, nspawn pid ${m.pid} is gone)`);
    }
  }
  const slot = readJson<SlotRecord>(o.slotFile);
  if (slot && !slotAlive(slot)) rmSync(o.slotFile, { force: true });
  const mine = readJson<SlotRecord>(stateFile(o));
  if (mine && !isOurNspawn(mine.pid, rootDir(o))) rmSync(stateFile(o), { force: true });
}



export interface BootResult {
  target: SshTarget;
  pid: number;
  /** The container was already running (nothing was booted). */
  reused: boolean;
  /** A fresh root was unpacked (a bare host). */
  fresh: boolean;
}

/**
 * Boots the container (or finds it running). `fresh` discards an existing root first, so the
 * host is bare again. Waits until systemd reports running/degraded over SSH.
 */
export async function bootLocal(
  o: LocalOptions,
  opts: { fresh?: boolean; waitSlotMs?: number; /** extra `--bind=SRC:DEST` mounts (tests) */ binds?: string[] } = {},
): Promise<BootResult> {
  ensureTools(o);
  const target = localSshTarget(o);
  const current = localStatus(o);
  if (current.running && !opts.fresh) return { target, pid: current.pid!, reused: true, fresh: false };
  if (current.running && opts.fresh) await stopLocal(o);

  // The machine-wide slot: wait for another container to go (tests), or refuse.
  const deadline = Date.now() + (opts.waitSlotMs ?? 0);
  for (;;) {
    const s = localStatus(o);
    if (!s.otherHolder) break;
    if (Date.now() >= deadline) {
      throw new LocalTargetError(
        `another vigil local container is running (state ${s.otherHolder.stateDir}, pid ${s.otherHolder.pid}, ssh port ${s.otherHolder.port}); ` +
          `it shares this machine's ports: stop it first (VIGIL_LOCAL_DIR=${s.otherHolder.stateDir} vigil local down)`,
      );
    }
    await sleep(2000);
  }
  clearStale(o);
  for (let i = 0; i < 20 && (await portAnswers(o.port)); i++) await sleep(250); // a killed sshd lets go
  if (await portAnswers(o.port)) {
    throw new LocalTargetError(`port ${o.port} on 127.0.0.1 is already in use; set VIGIL_LOCAL_PORT to a free port`);
  }
  const busy = [];
  // The spec's services take these on this machine's loopback: busy ones make services fail.
  for (const p of SERVICE_PORTS) if (await portAnswers(p)) busy.push(p);
  if (busy.length > 0) o.log(`warning: ports ${busy.join(", ")} on 127.0.0.1 are in use on this machine; services in the container that need them will fail`);

  const { path: tarball } = await ensureRootTarball(o);
  const root = rootDir(o);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  let fresh = false;
  if (opts.fresh || !existsSync(join(root, "etc/debian_version"))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    run("tar", ["--numeric-owner", "--xattrs", "--acls", "-C", root, "-xf", tarball], "unpacking the root");
    run("ssh-keygen", ["-A", "-f", root], "making SSH host keys");
    rmSync(target.knownHosts, { force: true });
    fresh = true;
  }
  if (!existsSync(keyFile(o))) run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vigil-local", "-f", keyFile(o)], "making vigil's SSH key");
  const sshDir = join(root, "root/.ssh");
  mkdirSync(sshDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(sshDir, "authorized_keys"), readFileSync(`${keyFile(o)}.pub`), { mode: 0o600 });
  writeFileSync(join(root, "etc/ssh/sshd_config.d/00-vigil-local.conf"), `# vigil local: sshd on this loopback port only (the container shares the machine's network)\nPort ${o.port}\nListenAddress 127.0.0.1\n`);

  const archives = join(o.cacheDir, "apt-archives");
  const lists = join(o.cacheDir, "apt-lists");
  mkdirSync(join(archives, "partial"), { recursive: true });
  mkdirSync(join(lists, "partial"), { recursive: true });
  const logPath = join(o.stateDir, "nspawn.log");
  const logFd = openSync(logPath, "w");
  const child = spawn(
    "systemd-nspawn",
    [
      "--register=no", "--keep-unit", "--quiet",
      `--machine=${MACHINE}`,
      "--console=passive",
      // fail2ban's ban actions need it; the container shares the machine's netfilter tables,
      // so bans of loopback test addresses land there until fail2ban stops.
      "--capability=CAP_NET_ADMIN",
      `--bind=${archives}:/var/cache/apt/archives`,
      `--bind=${lists}:/var/lib/apt/lists`,
      ...(opts.binds ?? []).map((b) => `--bind=${b}`),
      "-D", root,
      "-b",
    ],
    { detached: true, stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new LocalTargetError("could not start systemd-nspawn");
  child.unref();
  const slot: SlotRecord = { pid, stateDir: o.stateDir, port: o.port, startedAt: new Date().toISOString() };
  const record = (r: SlotRecord) => {
    writeFileSync(o.slotFile, `${JSON.stringify(r)}\n`);
    writeFileSync(stateFile(o), `${JSON.stringify(r)}\n`);
  };
  record(slot);
  o.log(`booting Debian 12 (systemd-nspawn pid ${pid}, ssh on 127.0.0.1:${o.port})`);

  // Record the container's PID namespace as soon as it exists: if this nspawn dies, its
  // processes (sshd on our port, the services) are found and stopped by the next run.
  for (let i = 0; i < 100 && !slot.pidns && isOurNspawn(pid, root); i++) {
    slot.pidns = containerPidns(pid);
    if (!slot.pidns) await sleep(100);
  }
  record(slot);
  await waitBooted(o, target, pid, logPath);
  return { target, pid, reused: false, fresh };
}

async function waitBooted(o: LocalOptions, target: SshTarget, pid: number, logPath: string): Promise<void> {
  await waitSystemd(target, () => isOurNspawn(pid, rootDir(o)), logPath, () => clearStale(o));
}

/** Waits until systemd in a container reports running/degraded over SSH. */
export async function waitSystemd(target: SshTarget, alive: () => boolean, logPath: string, onDeath: () => void = () => {}): Promise<void> {
  const deadline = Date.now() + 120_000;
  let last = "";
  while (Date.now() < deadline) {
    if (!alive()) {
      const log = existsSync(logPath) ? readFileSync(logPath, "utf8").trim().split("\n").slice(-20).join("\n") : "";
      onDeath();
      throw new LocalTargetError(`the container exited while booting; ${logPath}:\n${log}`);
    }
    const r = await sshRun(target, "systemctl is-system-running --wait", { timeoutMs: 60_000 });
    last = `${r.stdout}${r.stderr}`.trim();
    if (/^(running|degraded)$/m.test(r.stdout)) return;
    await sleep(500);
  }
  throw new LocalTargetError(`the container at ${target.host} did not finish booting in 120 s (last answer: ${last || "none"})`);
}

/** Powers the container off cleanly; escalates to signals. Returns false when none was running. */
export async function stopLocal(o: LocalOptions): Promise<boolean> {
  const s = localStatus(o);
  const target = localSshTarget(o);
  if (!s.running) {
    clearStale(o);
    return false;
  }
  const pid = s.pid!;
  const gone = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!isOurNspawn(pid, rootDir(o))) return true;
      await sleep(250);
    }
    return false;
  };
  await sshRun(target, "systemctl poweroff", { timeoutMs: 10_000 });
  await sshClose(target);
  if (!(await gone(45_000))) {
    o.log("the container did not power off in 45 s: signalling systemd-nspawn");
    try {
      process.kill(pid, "SIGTERM"); // nspawn asks the container's systemd to shut down
    } catch {
      /* gone */
    }
    if (!(await gone(15_000))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
      await gone(5_000);
    }
  }
  clearStale(o);
  return true;
}

/** Deletes the container's root (it must be stopped). */
export function purgeLocal(o: LocalOptions): void {
  if (localStatus(o).running) throw new LocalTargetError("the container is running: `vigil local down` first");
  rmSync(rootDir(o), { recursive: true, force: true });
  try {
    unlinkSync(join(o.stateDir, "known_hosts"));
  } catch {
    /* none */
  }
}
