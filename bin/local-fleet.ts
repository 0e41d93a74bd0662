// The local fleet: one Debian 12 system container per host of a multi-host spec, each in its own
// network namespace on a private bridge (local-network.ts), reached over real SSH at its private
// address. A one-host spec keeps the single loopback container (local-target.ts).
//
// Layout:
//   cache dir: the root tarball (shared with the single container), its extracted copy
//     `root-<recipe>` (the read-only lower layer of every host), apt-cacher-ng's package cache
//   state dir: fleet.json (what runs), fleet/<host>/{upper,work,root,nspawn.log,known_hosts},
//     apt-proxy/ (acng.conf, pid, log), the SSH key shared with the single container
//
// Each host's root is an overlay of the shared extracted root: a host boots in seconds, costs
// only what it writes, and a fresh host is a fresh upper directory.
//
// The machine-wide slot (local-target.ts) is held by the fleet as a whole: one container, or one
// fleet, at a time.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Spec } from "../schema/spec-schema.ts";
import { sshClose, sshRun, type SshTarget } from "./ssh-transport.ts";
import {
  clearStale, containerPidns, ensureRootTarball, ensureTools, isOurNspawn, killPidns, LocalTargetError, readJson, recipeHash, ROOT_RECIPE, run,
  slotAlive, waitSystemd, which, type LocalOptions, type SlotRecord,
} from "./local-target.ts";
import { createFleetNetwork, fleetNetwork, netnsPath, NetworkError, removeFleetNetwork, type FleetHostNet, type FleetNetwork } from "./local-network.ts";
import { APT_PROXY_CONF, AptProxyError, aptProxySetting, startAptProxy, stopAptProxy, type AptProxyPaths } from "./apt-proxy.ts";

export interface FleetHostRecord extends FleetHostNet {
  /** systemd-nspawn's PID. */
  pid: number;
  /** The container's PID namespace. */
  pidns?: string;
  /** The merged overlay root nspawn boots. */
  root: string;
}

export interface FleetRecord {
  network: FleetNetwork;
  /** The extracted root under every host. */
  lower: string;
  hosts: FleetHostRecord[];
  startedAt: string;
}

const fleetFile = (o: LocalOptions) => join(o.stateDir, "fleet.json");
const hostDir = (o: LocalOptions, name: string) => join(o.stateDir, "fleet", name);
const keyFile = (o: LocalOptions) => join(o.stateDir, "id_ed25519");
export const aptProxyPaths = (o: LocalOptions): AptProxyPaths => ({ dir: join(o.stateDir, "apt-proxy"), cacheDir: join(o.cacheDir, "apt-cacher-ng") });

/** The SSH target of one host of the fleet: root at its private address, port 22. */
export const fleetSshTarget = (o: LocalOptions, host: Pick<FleetHostNet, "name" | "address">): SshTarget => ({
  user: "root",
  host: host.address,
  port: 22,
  identity: keyFile(o),
  knownHosts: join(hostDir(o, host.name), "known_hosts"),
});

/** The fleet record of this state dir, when one was written. */
export const readFleet = (o: LocalOptions): FleetRecord | undefined => readJson<FleetRecord>(fleetFile(o));

const slotOf = (o: LocalOptions, rec: FleetRecord): SlotRecord => ({
  pid: rec.hosts[0]?.pid ?? 0,
  stateDir: o.stateDir,
  port: 22,
  startedAt: rec.startedAt,
  members: rec.hosts.map((h) => ({ pid: h.pid, root: h.root, ...(h.pidns ? { pidns: h.pidns } : {}) })),
});

export interface FleetStatus {
  running: boolean;
  record?: FleetRecord;
  /** Hosts whose container runs. */
  up: string[];
  /** Another container (or fleet of another state dir) holds this machine. */
  otherHolder?: SlotRecord;
}

export function fleetStatus(o: LocalOptions): FleetStatus {
  const record = readFleet(o);
  const up = record ? record.hosts.filter((h) => isOurNspawn(h.pid, h.root)).map((h) => h.name) : [];
  const slot = readJson<SlotRecord>(o.slotFile);
  const otherHolder = slot && !(slot.stateDir === o.stateDir && slot.members) && slotAlive(slot) ? slot : undefined;
  return { running: up.length > 0, ...(record ? { record } : {}), up, ...(otherHolder ? { otherHolder } : {}) };
}

/** The shared lower layer: the tarball unpacked once per recipe. */
async function ensureLowerRoot(o: LocalOptions): Promise<{ lower: string; changed: boolean }> {
  const { path: tarball, built } = await ensureRootTarball(o);
  const lower = join(o.cacheDir, `root-${recipeHash()}`);
  const marker = join(lower, ".vigil-unpacked");
  if (built || !existsSync(marker) || readFileSync(marker, "utf8") !== tarball) {
    rmSync(lower, { recursive: true, force: true });
    mkdirSync(lower, { recursive: true });
    run("tar", ["--numeric-owner", "--xattrs", "--acls", "-C", lower, "-xf", tarball], "unpacking the shared root");
    writeFileSync(marker, tarball);
    // An upper layer written over another lower one would mix two systems: every host starts fresh.
    return { lower, changed: true };
  }
  return { lower, changed: false };
}

const isMounted = (dir: string) => spawnSync("mountpoint", ["-q", dir]).status === 0;

/** Mounts a host's overlay root (fresh: its upper layer is discarded first). */
function mountHostRoot(o: LocalOptions, lower: string, name: string, fresh: boolean): { root: string; fresh: boolean } {
  const dir = hostDir(o, name);
  const root = join(dir, "root");
  const upper = join(dir, "upper");
  const work = join(dir, "work");
  if (isMounted(root)) run("umount", [root], `unmounting the root of ${name}`);
  const isFresh = fresh || !existsSync(join(upper, "etc/ssh/ssh_host_ed25519_key"));
  if (isFresh) {
    rmSync(upper, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
    rmSync(join(dir, "known_hosts"), { force: true });
  }
  for (const d of [upper, work, root]) mkdirSync(d, { recursive: true });
  run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lower},upperdir=${upper},workdir=${work}`, root], `mounting the root of ${name}`);
  return { root, fresh: isFresh };
}

function unmountHostRoot(o: LocalOptions, name: string): void {
  const root = join(hostDir(o, name), "root");
  if (isMounted(root)) spawnSync("umount", [root], { stdio: "ignore" });
  if (isMounted(root)) spawnSync("umount", ["-l", root], { stdio: "ignore" });
}

/** What each host needs before it boots: its name, host keys, vigil's key, sshd on its address, apt's proxy, no DNS. */
function prepareHostRoot(o: LocalOptions, net: FleetNetwork, h: FleetHostNet, root: string, fresh: boolean): void {
  const w = (rel: string, content: string | Buffer, mode = 0o644) => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
  };
  w("etc/hostname", `${h.name}\n`);
  w(
    "etc/hosts",
    [`127.0.0.1 localhost`, `127.0.1.1 ${h.name}`, "::1 localhost ip6-localhost ip6-loopback", ...net.hosts.map((x) => `${x.address} ${x.name}`), ""].join("\n"),
  );
  // No route out, so no name server: an empty resolv.conf fails lookups at once instead of timing out.
  w("etc/resolv.conf", "# vigil local fleet: no DNS (the private network has no route out)\n");
  if (fresh) run("ssh-keygen", ["-A", "-f", root], `making SSH host keys for ${h.name}`);
  mkdirSync(join(root, "root/.ssh"), { recursive: true, mode: 0o700 });
  w("root/.ssh/authorized_keys", readFileSync(`${keyFile(o)}.pub`), 0o600);
  w("etc/ssh/sshd_config.d/00-vigil-local.conf", `# vigil local fleet: sshd on this host's private address only\nPort 22\nListenAddress ${h.address}\nUseDNS no\n`);
  w(APT_PROXY_CONF.slice(1), aptProxySetting(net.gateway));
}

export interface FleetBootResult {
  record: FleetRecord;
  targets: Record<string, SshTarget>;
  reused: boolean;
  /** Hosts that got a fresh root. */
  fresh: string[];
}

/**
 * Boots every host of the spec (or finds the fleet running): network, apt proxy, one overlay
 * root and one `systemd-nspawn -b` per host, all in parallel; waits until every systemd is up.
 */
export async function bootFleet(o: LocalOptions, spec: Spec, opts: { fresh?: boolean; waitSlotMs?: number } = {}): Promise<FleetBootResult> {
  ensureTools(o);
  for (const [cmd, pkg] of [["ip", "iproute2"], ["apt-cacher-ng", "apt-cacher-ng"], ["mountpoint", "util-linux"]] as const) {
    if (!which(cmd)) throw new LocalTargetError(`the local fleet needs ${cmd} (Debian package ${pkg}); install it first`);
  }
  let net: FleetNetwork;
  try {
    net = fleetNetwork(spec);
  } catch (err) {
    throw new LocalTargetError((err as Error).message);
  }
  const targets = Object.fromEntries(net.hosts.map((h) => [h.name, fleetSshTarget(o, h)]));
  const current = fleetStatus(o);
  const sameHosts = (r: FleetRecord) => JSON.stringify(r.network) === JSON.stringify(net);
  if (current.running && current.record && !opts.fresh && sameHosts(current.record) && current.up.length === net.hosts.length) {
    return { record: current.record, targets, reused: true, fresh: [] };
  }
  if (current.running) await stopFleet(o);

  const deadline = Date.now() + (opts.waitSlotMs ?? 0);
  for (;;) {
    const s = fleetStatus(o);
    if (!s.otherHolder) break;
    if (Date.now() >= deadline) {
      throw new LocalTargetError(
        `another vigil local container is running (state ${s.otherHolder.stateDir}, pid ${s.otherHolder.pid}): ` +
          `stop it first (VIGIL_LOCAL_DIR=${s.otherHolder.stateDir} vigil local down)`,
      );
    }
    await sleep(2000);
  }
  clearStale(o, [readFleet(o) ? slotOf(o, readFleet(o)!) : undefined]);

  try {
    createFleetNetwork(net);
    await startAptProxy(aptProxyPaths(o), net.gateway, ROOT_RECIPE.mirror);
  } catch (err) {
    if (err instanceof NetworkError || err instanceof AptProxyError) throw new LocalTargetError(err.message);
    throw err;
  }
  const { lower, changed } = await ensureLowerRoot(o);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  if (!existsSync(keyFile(o))) run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vigil-local", "-f", keyFile(o)], "making vigil's SSH key");

  const record: FleetRecord = { network: net, lower, hosts: [], startedAt: new Date().toISOString() };
  const writeRecord = () => {
    writeFileSync(fleetFile(o), `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(o.slotFile, `${JSON.stringify(slotOf(o, record))}\n`);
  };
  const fresh: string[] = [];
  for (const h of net.hosts) {
    const mounted = mountHostRoot(o, lower, h.name, (opts.fresh ?? false) || changed);
    if (mounted.fresh) fresh.push(h.name);
    prepareHostRoot(o, net, h, mounted.root, mounted.fresh);
    const logPath = join(hostDir(o, h.name), "nspawn.log");
    const logFd = openSync(logPath, "w");
    const child = spawn(
      "systemd-nspawn",
      [
        "--register=no", "--keep-unit", "--quiet",
        `--machine=${h.name}`,
        "--console=passive",
        // The host's own network namespace: its eth0 on the bridge, its own netfilter tables
        // (fail2ban's and the bouncer's bans stay inside it).
        `--network-namespace-path=${netnsPath(h.netns)}`,
        "--capability=CAP_NET_ADMIN",
        "--resolv-conf=off",
        "-D", mounted.root,
        "-b",
      ],
      { detached: true, stdio: ["ignore", logFd, logFd] },
    );
    closeSync(logFd);
    if (child.pid === undefined) throw new LocalTargetError(`could not start systemd-nspawn for ${h.name}`);
    child.unref();
    record.hosts.push({ ...h, pid: child.pid, root: mounted.root });
    writeRecord();
    o.log(`booting ${h.name} at ${h.address} (systemd-nspawn pid ${child.pid})`);
  }
  for (const h of record.hosts) {
    for (let i = 0; i < 100 && !h.pidns && isOurNspawn(h.pid, h.root); i++) {
      const ns = containerPidns(h.pid);
      if (ns) h.pidns = ns;
      else await sleep(100);
    }
  }
  writeRecord();
  try {
    await Promise.all(
      record.hosts.map((h) => waitSystemd(targets[h.name]!, () => isOurNspawn(h.pid, h.root), join(hostDir(o, h.name), "nspawn.log"))),
    );
  } catch (err) {
    await stopFleet(o);
    throw err;
  }
  return { record, targets, reused: false, fresh };
}

/** Powers every host off (escalating to signals), then removes the network and stops the proxy. */
export async function stopFleet(o: LocalOptions): Promise<boolean> {
  const record = readFleet(o);
  const proxyStopped = await stopAptProxy(aptProxyPaths(o));
  if (!record) return proxyStopped;
  const wasRunning = record.hosts.some((h) => isOurNspawn(h.pid, h.root));
  await Promise.all(
    record.hosts.map(async (h) => {
      const gone = async (ms: number) => {
        const until = Date.now() + ms;
        while (Date.now() < until) {
          if (!isOurNspawn(h.pid, h.root)) return true;
          await sleep(250);
        }
        return !isOurNspawn(h.pid, h.root);
      };
      if (isOurNspawn(h.pid, h.root)) {
        const target = fleetSshTarget(o, h);
        await sshRun(target, "systemctl poweroff", { timeoutMs: 10_000 });
        await sshClose(target);
        if (!(await gone(45_000))) {
          o.log(`${h.name} did not power off in 45 s: signalling systemd-nspawn`);
          for (const signal of ["SIGTERM", "SIGKILL"] as const) {
            try {
              process.kill(h.pid, signal);
            } catch {
              /* gone */
            }
            if (await gone(15_000)) break;
          }
        }
      }
      if (h.pidns) killPidns(h.pidns);
      unmountHostRoot(o, h.name);
    }),
  );
  try {
    removeFleetNetwork(record.network);
  } catch (err) {
    throw new LocalTargetError((err as Error).message);
  }
  rmSync(fleetFile(o), { force: true });
  const slot = readJson<SlotRecord>(o.slotFile);
  if (slot && slot.stateDir === o.stateDir && slot.members) rmSync(o.slotFile, { force: true });
  return wasRunning;
}

/** Deletes every host's written layer (the fleet must be stopped). */
export function purgeFleet(o: LocalOptions): void {
  if (fleetStatus(o).running) throw new LocalTargetError("the fleet is running: `vigil local down` first");
  rmSync(join(o.stateDir, "fleet"), { recursive: true, force: true });
}
