// Benchmark: how long `vigil status` takes to answer.
//   node --import tsx bench/operations/status.ts <spec> [--target ssh://USER@HUB:PORT --identity KEY]
//       against a real hub (without --target: the running `vigil local up` hub of <spec>);
//   node --import tsx bench/operations/status.ts --mini
//       against the test's loopback hub (real prometheus + prometheus-alertmanager behind a real
//       sshd, test/operations/mini-hub.ts), when no container may be booted: in process only;
//   unshare -n sh -c 'ip link set lo up && node --import tsx bench/operations/status.ts --mini-cli'
//       the same hub in a network namespace of its own, where it can listen on the hub's real
//       ports (9090, 9093), so the whole CLI (bin/vigil status --target ...) is measured too.
// Prints, over RUNS runs (env BENCH_RUNS, default 9), the whole CLI as a user runs it
// (`bin/vigil status <spec> --json [HUB]`: process start, spec load, SSH forward, the six queries,
// output) and its parts: Node + tsx start (`bin/vigil help`), and in process the spec load, the
// connection (SSH handshake + forwards + /-/ready) and the queries alone; with the machine's load
// average before and after (the machine is shared: read the numbers with it).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { connectHub, hubTargets, type HubPorts } from "../../bin/hub-connection.ts";
import { collectStatus } from "../../bin/fleet-status.ts";
import type { SshTarget } from "../../bin/ssh-transport.ts";
import { scratchDir } from "../../test/scratch-dir.ts";

const args = process.argv.slice(2);
let spec = args[0]!;
let targets: SshTarget[];
let ports: HubPorts | undefined;
let cliHub: string[] = args.slice(1);
let stop = async () => {};
const mini = args[0] === "--mini" || args[0] === "--mini-cli";
if (mini) {
  const { startMiniHub, MINI_HUB_SPEC } = await import("../../test/operations/mini-hub.ts");
  const { HUB_PORTS } = await import("../../bin/hub-connection.ts");
  const hub = await startMiniHub(args[0] === "--mini-cli" ? HUB_PORTS : undefined);
  stop = hub.stop;
  // Removed when the process exits, as the tests' directories are (test/scratch-dir.ts).
  const dir = scratchDir("vigil-bench-status-");
  spec = join(dir, "mini.yaml");
  writeFileSync(spec, MINI_HUB_SPEC);
  targets = [hub.sshd.target];
  ports = hub.ports;
  const t = hub.sshd.target;
  // --mini: the CLI reaches fixed hub ports, so only the in-process numbers apply.
  cliHub = args[0] === "--mini-cli" ? ["--target", `ssh://${t.user}@${t.host}:${t.port}`, "--identity", t.identity!] : [];
  // The CLI records the test sshd's key in vigil's known_hosts: a scratch one, not the user's.
  process.env.XDG_CONFIG_HOME = join(dir, "config");
} else {
  const loaded = loadSpecFile(spec);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const values: { target?: string[]; identity?: string } = {};
  for (let i = 0; i < cliHub.length; i += 2) {
    if (cliHub[i] === "--target") (values.target ??= []).push(cliHub[i + 1]!);
    if (cliHub[i] === "--identity") values.identity = cliHub[i + 1];
  }
  targets = hubTargets(spec, values);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
const min = (xs: number[]) => Math.min(...xs);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const load = () => loadavg().map((l) => l.toFixed(1)).join(" / ");
const loadBefore = load();
const connect: number[] = [];
const queries: number[] = [];
const specLoad: number[] = [];
const start: number[] = [];
const cli: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const hub = await connectHub({ targets, ...(ports ? { ports } : {}) });
    const t1 = performance.now();
    await collectStatus(hub);
    queries.push(performance.now() - t1);
    connect.push(t1 - t0);
    await hub.close();
    if (cliHub.length > 0 || !mini) {
      // A fresh process each time, like the CLI: the spec load's own cost without module caches.
      const l0 = performance.now();
      execFileSync(process.execPath, ["--import", "tsx", "-e", `import("./schema/load-spec.ts").then((m) => { if (!m.loadSpecFile(${JSON.stringify(spec)}).ok) process.exit(1); })`], { stdio: "ignore" });
      const s0 = performance.now();
      execFileSync("bin/vigil", ["help"], { stdio: "ignore" });
      start.push(performance.now() - s0);
      specLoad.push(s0 - l0 - start.at(-1)!);
      const c0 = performance.now();
      try {
        execFileSync("bin/vigil", ["status", spec, "--json", ...cliHub], { stdio: "ignore" });
      } catch (err) {
        if ((err as { status?: number }).status !== 1) throw err; // 1: a critical alert fires
      }
      cli.push(performance.now() - c0);
    }
  }
} finally {
  await stop();
}
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, min ${min(xs).toFixed(0)} ms, max ${max(xs).toFixed(0)} ms`;
console.log(`${RUNS} runs; load average (1/5/15 min) before ${loadBefore}, after ${load()}`);
console.log(`connect (ssh + forwards + /-/ready): ${fmt(connect)}`);
console.log(`queries (alerts, targets, 4 PromQL):  ${fmt(queries)}`);
if (cli.length > 0) {
  console.log(`node + tsx start (bin/vigil help):    ${fmt(start)}`);
  console.log(`spec load, own process minus start:   ${fmt(specLoad)}`);
  console.log(`bin/vigil status --json, whole CLI:   ${fmt(cli)}`);
}
