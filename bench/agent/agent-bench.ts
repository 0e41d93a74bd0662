// Benchmark of the vigil agent (results: BENCHMARKS.md, "vigil agent").
//   node --import tsx bench/agent/agent-bench.ts [--node PATH] [--flags "V8 FLAGS"]
//        [--resident-seconds 300] [--interval 15s] [--skip-1gb] [--skip-quick-check] [--only-resident]
// --interval: the resident agent's --interval (the unit passes intervals.agent, else intervals.scrape).
// --node: the Node that runs the bundle (timer and resident modes), e.g. .cache/node18/bin/node
// (Debian 12's version, from test/agent/fetch-node.sh); --flags: the resident V8 flags.
// Needs `npm run build`, sqlite3, /usr/bin/time; starts (and always kills) its own PM2 daemon.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { durationSeconds } from "../../schema/durations.ts";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BUILT_BUNDLE } from "../../agent/bundle-files.ts";
import { collect } from "../../agent/src/collect.ts";
import { cliBackend } from "../../agent/src/sqlite-cli.ts";
import type { AgentConfig } from "../../schema/spec-schema.ts";

const { values } = parseArgs({
  options: {
    node: { type: "string", default: process.execPath },
    flags: { type: "string", default: "--max-semi-space-size=1 --max-old-space-size=32" },
    "resident-seconds": { type: "string", default: "300" },
    interval: { type: "string", default: "15s" },
    "skip-1gb": { type: "boolean" },
    "skip-quick-check": { type: "boolean" },
    "only-resident": { type: "boolean" },
  },
});
const NODE = values.node;
const ROOT = join(import.meta.dirname, "..", "..");
const BUNDLE = BUILT_BUNDLE;
const PM2 = join(ROOT, "node_modules", "pm2", "bin", "pm2");
const dir = join(tmpdir(), `vigil-agent-bench-${process.pid}`);
const pm2Home = join(dir, "pm2");
const HZ = 100; // clock ticks per second on Linux

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const pm2 = (args: string[]) => execFileSync(process.execPath, [PM2, ...args], { env: { PATH: process.env.PATH, HOME: pm2Home, PM2_HOME: pm2Home }, stdio: "ignore" });

/** A WAL database of about `mb` megabytes. */
function makeDb(path: string, mb: number): void {
  const rows = Math.ceil((mb * 1024 * 1024) / 4000);
  execFileSync("sqlite3", [path, `PRAGMA journal_mode=wal; PRAGMA synchronous=off; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ${rows}) INSERT INTO t(v) SELECT randomblob(3900) FROM n; CREATE INDEX t_v ON t(substr(v,1,16)); PRAGMA wal_checkpoint(TRUNCATE);`], { stdio: "ignore" });
}

function procTicks(pid: number): { self: number; children: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // after "pid (comm) ": state is fields[0]; utime=13, stime=14, cutime=15, cstime=16 (1-based) -> 11..14
  return { self: Number(fields[11]) + Number(fields[12]), children: Number(fields[13]) + Number(fields[14]) };
}
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

async function main() {
  mkdirSync(dir, { recursive: true });
  const say = (line: string) => console.log(line);
  try {
    say(`machine: ${cpus().length} x ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GB, load average at start ${loadavg().map((l) => l.toFixed(1)).join(" ")}, bench on node ${process.version}, agent on node ${execFileSync(NODE, ["--version"], { encoding: "utf8" }).trim()}, sqlite3 ${execFileSync("sqlite3", ["--version"], { encoding: "utf8" }).split(" ")[0]}`);
    // --- fixtures: 3 databases, 10 PM2 apps
    const dbs = ["orders", "sessions", "events"].map((n) => join(dir, `${n}.db`));
    dbs.forEach((p) => makeDb(p, 10));
    writeFileSync(join(dir, "app.js"), "setInterval(() => {}, 1000);\n");
    writeFileSync(join(dir, "ecosystem.json"), JSON.stringify({ apps: Array.from({ length: 10 }, (_, i) => ({ name: `app-${i}`, script: join(dir, "app.js") })) }));
    pm2(["start", join(dir, "ecosystem.json")]);
    const config: AgentConfig = {
      sqlite: dbs.map((path) => ({ path, maxSizeMB: 100, integrityEvery: "6h" })),
      pm2: [{ user: "root", pm2Home, apps: Array.from({ length: 10 }, (_, i) => `app-${i}`) }],
    };
    const configFile = join(dir, "agent.json");
    writeFileSync(configFile, JSON.stringify(config));

    const backend = cliBackend({ binary: "/usr/bin/sqlite3", busyTimeoutMs: 1000 });
    const options = { backend, stateFile: join(dir, "integrity.json"), pm2TimeoutMs: 3000, log: () => {} };
    // --- collection time (the code path of one collection, in-process, sqlite3 CLI backend)
    const times: number[] = [];
    for (let i = 0; i < (values["only-resident"] ? 0 : 200); i++) {
      const t = performance.now();
      await collect(config, options);
      times.push(performance.now() - t);
    }
    if (!values["only-resident"]) say(`collection (3 databases, 10 PM2 apps, sqlite3 CLI), 200 runs: p50 ${ms(pct(times, 50))}, p99 ${ms(pct(times, 99))}`);

    // --- timer mode: one --once process per collection
    const onceCpu: number[] = [];
    const onceWall: number[] = [];
    const onceRss: number[] = [];
    for (let i = 0; i < (values["only-resident"] ? 0 : 20); i++) {
      const r = spawnSync("/usr/bin/time", ["-f", "%e %U %S %M", NODE, BUNDLE, "--config", configFile, "--once", "--state-dir", dir], { encoding: "utf8" });
      const [wall, user, sys, maxKb] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number) as [number, number, number, number];
      onceWall.push(wall * 1000);
      onceCpu.push((user + sys) * 1000);
      onceRss.push(maxKb / 1024);
    }
    const cpuMedian = pct(onceCpu, 50) ?? NaN;
    if (!values["only-resident"]) say(`timer mode (--once per collection), 20 runs: wall p50 ${ms(pct(onceWall, 50))}, CPU p50 ${ms(cpuMedian)} (incl. sqlite3 children), peak RSS p50 ${pct(onceRss, 50).toFixed(1)} MB -> at 15 s: ${((cpuMedian / 15000) * 100).toFixed(2)} % of one core, 0 MB between runs`);
    const bare: number[] = [];
    for (let i = 0; i < (values["only-resident"] ? 0 : 10); i++) {
      const r = spawnSync("/usr/bin/time", ["-f", "%U %S", NODE, "-e", "0"], { encoding: "utf8" });
      const [u, s] = r.stderr.trim().split(" ").map(Number) as [number, number];
      bare.push((u + s) * 1000);
    }
    if (!values["only-resident"]) say(`  of which Node's own startup (node -e 0): CPU p50 ${ms(pct(bare, 50))}`);

    // --- resident mode at --interval, with the unit's V8 flags (file watches and the PM2 bus on)
    const seconds = Number(values["resident-seconds"]);
    const flags = values.flags.split(" ").filter(Boolean);
    const child = spawn(NODE, [...flags, BUNDLE, "--config", configFile, "--interval", values.interval, "--textfile", join(dir, "vigil.prom"), "--state-dir", dir], { stdio: "ignore" });
    await new Promise((r) => setTimeout(r, 20_000)); // past startup and the first two collections
    const start = procTicks(child.pid!);
    const rss: number[] = [];
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      rss.push(rssKb(child.pid!) / 1024);
      await new Promise((r) => setTimeout(r, 5000));
    }
    const end = procTicks(child.pid!);
    child.kill("SIGTERM");
    const cpuSeconds = (end.self - start.self + end.children - start.children) / HZ;
    const every = durationSeconds(values.interval);
    say(`resident mode (${flags.join(" ")}, ${values.interval} interval) over ${seconds} s steady state: RSS median ${pct(rss, 50).toFixed(1)} MB, max ${Math.max(...rss).toFixed(1)} MB; CPU ${((cpuSeconds / seconds) * 100).toFixed(3)} % of one core (incl. sqlite3 children; ${((cpuSeconds / (seconds / every)) * 1000).toFixed(1)} ms per collection)`);

    // --- quick_check on 100 MB and 1 GB, and collections while it runs
    for (const mb of values["skip-quick-check"] || values["only-resident"] ? [] : values["skip-1gb"] ? [100] : [100, 1024]) {
      const big = join(dir, `big-${mb}.db`);
      const t0 = performance.now();
      makeDb(big, mb);
      const made = performance.now() - t0;
      const bigConfig: AgentConfig = { ...config, sqlite: [...config.sqlite, { path: big, maxSizeMB: 2048, integrityEvery: "6h" }] };
      // the stats statement on the very file being checked, before and during the check
      const statsOnBig = async () => {
        const t = performance.now();
        const r = await backend.stats(big);
        if (!r.ok) throw new Error(r.error);
        return performance.now() - t;
      };
      const statsBefore: number[] = [];
      for (let i = 0; i < 20; i++) statsBefore.push(await statsOnBig());
      const statsDuring: number[] = [];
      const checkStart = performance.now();
      let checking = true;
      const check = backend.quickCheck(big, 10 * 60_000).finally(() => (checking = false));
      const during: number[] = [];
      while (checking) {
        const t = performance.now();
        await collect(bigConfig, options);
        during.push(performance.now() - t);
        statsDuring.push(await statsOnBig());
        await new Promise((r) => setTimeout(r, 100));
      }
      const result = await check;
      const took = performance.now() - checkStart;
      say(`quick_check(1) on ${mb} MB (made in ${(made / 1000).toFixed(1)} s): ${(took / 1000).toFixed(2)} s, result ${JSON.stringify(result)}; ${during.length} collections meanwhile: p50 ${ms(pct(during, 50))}, p99 ${ms(pct(during, 99))}, max ${ms(Math.max(...during))}; stats statement on that file: before p50 ${ms(pct(statsBefore, 50))}, during p50 ${ms(pct(statsDuring, 50))}, max ${ms(Math.max(...statsDuring))}`);
      rmSync(big, { force: true });
    }
  } finally {
    try {
      pm2(["kill"]);
    } catch {
      // the daemon was never started
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
