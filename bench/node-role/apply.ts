// Benchmark: the node role's steps applied to a bare Debian 12 host, booted with systemd-nspawn
// from vigil local's cached root, with a PRIVATE network (no port clash with another container,
// and no internet: the host is offline, like the CrowdSec trap needs). apt takes the packages
// from a copy of vigil local's apt cache; the few it lacks are fetched on this machine first.
//
//   node --import tsx bench/node-role/apply.ts [stacks/prod.yaml] [host]
//
// Prints, per step: fresh apply, no-op re-apply, and the re-apply after a threshold edit; then
// the resident memory of each node-role service. Needs root, systemd-nspawn, zstd.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ensureRootTarball, localOptions } from "../../bin/local-target.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { loopbackContext } from "../../provisioning/address-contexts.ts";
import { type PlanStep } from "../../provisioning/plan.ts";
import { nodeRoleSteps } from "../../provisioning/node/node-role.ts";
import { stageDir, stagedFiles } from "../../provisioning/step-script.ts";

const [specFile = "stacks/prod.yaml", hostName] = process.argv.slice(2);
const loaded = loadSpecFile(specFile);
if (!loaded.ok) throw new Error(`${specFile} does not load`);
const spec = loaded.spec;
const host = hostName ? spec.hosts.find((h) => h.name === hostName) : spec.hosts.find((h) => h.roles.includes("node"));
if (!host) throw new Error("no such node host");
const stepsOf = (s: Spec) => nodeRoleSteps(s, s.hosts.find((h) => h.name === host.name)!, loopbackContext(s));

function sh(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${r.stdout}${r.stderr}`.slice(-3000));
  return r.stdout;
}

const o = localOptions();
const { path: tarball } = await ensureRootTarball(o);
const work = mkdtempSync("/var/tmp/vigil-bench-node-");
const root = join(work, "root");
const archives = join(work, "archives");
const lists = join(work, "lists");
let nspawnPid: number | undefined;

try {
  mkdirSync(root);
  mkdirSync(join(archives, "partial"), { recursive: true });
  sh("tar", ["--numeric-owner", "--xattrs", "--acls", "-C", root, "-I", "zstd", "-xf", tarball], "unpacking the root");
  for (const f of readdirSync(join(o.cacheDir, "apt-archives"))) if (f.endsWith(".deb")) copyFileSync(join(o.cacheDir, "apt-archives", f), join(archives, f));
  sh("cp", ["-a", `${join(o.cacheDir, "apt-lists")}/.`, `${lists}/`], "copying apt lists");
  // The lists are as fresh as the cache; the step's "update when older than a day" must not try
  // the (absent) network inside the container.
  for (const f of readdirSync(lists)) if (f.endsWith("_Packages")) utimesSync(join(lists, f), new Date(), new Date());
  const nspawnArgs = ["--register=no", "--keep-unit", "--quiet", "--private-network", `--bind=${archives}:/var/cache/apt/archives`, `--bind=${lists}:/var/lib/apt/lists`, "-D", root];
  const packages = [...new Set(stepsOf(spec).flatMap((s) => [...(s.run ?? "").matchAll(/apt-get install [^\n]*?((?: '[a-z0-9.+-]+')+)/g)].flatMap((m) => m[1]!.trim().split(" ").map((p) => p.slice(1, -1)))))];
  const uris = sh("systemd-nspawn", [...nspawnArgs, "apt-get", "install", "--print-uris", "-qq", "--no-install-recommends", ...packages], "listing packages")
    .split("\n")
    .map((l) => /^'([^']+)'/.exec(l)?.[1])
    .filter((u): u is string => u !== undefined);
  if (uris.length > 0) {
    const names = uris.map((u) => decodeURIComponent(u.split("/").pop()!).split("_")[0]!);
    spawnSync("apt-get", ["download", ...names], { cwd: archives, stdio: "inherit" });
  }

  const child = spawn("systemd-nspawn", [...nspawnArgs, "--machine=vigil-bench-node", "--console=passive", "--capability=CAP_NET_ADMIN", "-b"], {
    detached: true,
    stdio: "ignore",
  });
  nspawnPid = child.pid;
  let init: string | undefined;
  for (let i = 0; i < 200 && !init; i++) {
    const kids = spawnSync("pgrep", ["-P", String(nspawnPid)], { encoding: "utf8" }).stdout.trim().split("\n").filter(Boolean);
    if (kids.length > 0) init = kids[0];
    else await sleep(100);
  }
  if (!init) throw new Error("the container did not start");
  const inside = (args: string[]) => spawnSync("nsenter", ["-t", init!, "-a", ...args], { encoding: "utf8", maxBuffer: 64 << 20 });
  for (let i = 0; i < 300; i++) {
    const state = inside(["systemctl", "is-system-running"]).stdout.trim();
    if (state === "running" || state === "degraded") break;
    await sleep(200);
  }

  const apply = (steps: PlanStep[]): Map<string, { ms: number; result: string }> => {
    const out = new Map<string, { ms: number; result: string }>();
    for (const step of steps) {
      const dir = join(root, stageDir(step));
      for (const f of stagedFiles(step)) {
        mkdirSync(dirname(join(dir, f.path)), { recursive: true });
        writeFileSync(join(dir, f.path), f.content, { mode: parseInt(f.mode, 8) });
      }
      const t0 = performance.now();
      const r = inside(["bash", `${stageDir(step)}/step.sh`]);
      const ms = performance.now() - t0;
      if (r.status !== 0) throw new Error(`step ${step.id} failed: ${r.stdout.slice(-1500)}${r.stderr.slice(-1500)}`);
      out.set(step.id, { ms, result: r.stdout.trim().split("\n").pop()!.replace("vigil-step: ", "") });
    }
    return out;
  };

  const fresh = apply(stepsOf(spec));
  const noop = apply(stepsOf(spec));
  const edited = structuredClone(spec);
  edited.thresholds.cpu.warning = Math.max(1, edited.thresholds.cpu.warning - 5);
  const edit = apply(stepsOf(edited));

  const cell = (m: Map<string, { ms: number; result: string }>, id: string) => {
    const v = m.get(id)!;
    return `${(v.ms / 1000).toFixed(1)} s (${v.result})`;
  };
  console.log(`node role on ${host.name} of ${specFile}, bare Debian 12 minbase, offline, packages from a local cache\n`);
  console.log("| step | fresh host | re-apply, nothing changed | re-apply after thresholds.cpu edit |");
  console.log("|---|---|---|---|");
  for (const id of fresh.keys()) console.log(`| ${id} | ${cell(fresh, id)} | ${cell(noop, id)} | ${cell(edit, id)} |`);
  const total = (m: Map<string, { ms: number }>) => `${([...m.values()].reduce((a, v) => a + v.ms, 0) / 1000).toFixed(1)} s`;
  console.log(`| total | ${total(fresh)} | ${total(noop)} | ${total(edit)} |`);

  // Turning a piece off: its "-off" step stops it once, then reports unchanged.
  const noBouncer = structuredClone(spec);
  noBouncer.stack.crowdsec.firewallBouncer = false;
  const off = apply(stepsOf(noBouncer).filter((st) => st.id.endsWith("-off")));
  const offAgain = apply(stepsOf(noBouncer).filter((st) => st.id.endsWith("-off")));
  for (const id of off.keys()) console.log(`\n${id}: ${cell(off, id)}, then ${cell(offAgain, id)}; bouncer ${inside(["systemctl", "is-active", "crowdsec-firewall-bouncer"]).stdout.trim()}`);

  const ps = inside(["ps", "-eo", "rss=,comm="]).stdout;
  const rss = new Map<string, number>();
  for (const line of ps.trim().split("\n")) {
    const [kb, comm] = line.trim().split(/\s+/, 2) as [string, string];
    const name = /^(netdata|apps\.plugin|prometheus-node|fail2ban-server|crowdsec-firewa|crowdsec)/.exec(comm)?.[1];
    if (name) rss.set(name, (rss.get(name) ?? 0) + Number(kb));
  }
  console.log("\n| process | RSS |\n|---|---|");
  for (const [name, kb] of [...rss].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${(kb / 1024).toFixed(0)} MiB |`);
  console.log(`| all | ${([...rss.values()].reduce((a, b) => a + b, 0) / 1024).toFixed(0)} MiB |`);
  inside(["systemctl", "poweroff"]);
  for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(100);
} finally {
  if (nspawnPid !== undefined) {
    try {
      process.kill(nspawnPid, 0);
      process.kill(nspawnPid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  rmSync(work, { recursive: true, force: true });
}
