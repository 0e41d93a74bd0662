// PM2 probes against a REAL PM2 daemon (pm2 from devDependencies) in a temporary PM2_HOME: a
// healthy app, a crash-looping app and an expected app that is missing; and the promise that
// the agent never starts a daemon and never exits on a socket permission error.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NODE18, PM2, parseMetrics, pastPm2MinUptime, requireNode, removeDir, requireTools, runAgent as runAgentWith, tempDir, waitFor, writeConfig } from "./helpers.ts";

function pm2(home: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [PM2, ...args], { env: { PATH: process.env.PATH, HOME: home, PM2_HOME: home }, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? fail(new Error(`pm2 ${args.join(" ")}: ${error.message} ${stderr}`)) : done(String(stdout)),
    );
  });
}

/** Pids of live processes whose command line mentions `needle` (to find daemons by PM2_HOME). */
function processesMentioning(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, "utf8");
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (env.includes(needle) || cmd.includes(needle)) out.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** Stops the daemon of `home` whatever state the test left it in. */
async function killDaemon(home: string): Promise<void> {
  try {
    await pm2(home, ["kill"]);
  } catch {
    // fall through to the pids
  }
  for (const pid of processesMentioning(`PM2_HOME=${home}`)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

// The agent runs on Debian 12's Node 18; the daemon on this machine's Node.
const runAgent = (args: string[], options: Parameters<typeof runAgentWith>[1] = {}) => runAgentWith(args, { node: requireNode(NODE18), ...options });

describe("PM2 probes against a real daemon (agent on Node 18)", () => {
  let dir: string;
  let home: string;
  let config: string;
  let launchedBy: number;

  before(async () => {
    requireTools();
    dir = tempDir("pm2");
    home = join(dir, "pm2-home");
    const apps = join(dir, "apps");
    await import("node:fs").then((fs) => fs.mkdirSync(apps));
    writeFileSync(join(apps, "api.js"), "setInterval(() => {}, 1000);\n");
    writeFileSync(join(apps, "worker.js"), "setTimeout(() => process.exit(1), 100);\n");
    // worker exits after 100 ms: unstable restarts until PM2 gives up and marks it errored
    const ecosystem = join(apps, "ecosystem.json");
    writeFileSync(
      ecosystem,
      JSON.stringify({
        apps: [
          { name: "api", script: join(apps, "api.js") },
          { name: "worker", script: join(apps, "worker.js"), min_uptime: 5000, max_restarts: 3 },
        ],
      }),
    );
    await pm2(home, ["start", ecosystem]);
    launchedBy = Date.now();
    config = writeConfig(dir, `pm2:\n  - user: root\n    pm2Home: ${home}\n    apps: [api, worker, billing]\n`);
  });

  after(async () => {
    if (home) await killDaemon(home);
    if (dir) removeDir(dir);
  });

  it("reports the daemon up, a healthy app online, a crash-looping app down with its restarts, a missing app down", async () => {
    // While it crash-loops the worker is not online ("waiting restart" between attempts)...
    const looping = await waitFor("the worker to restart", async () => {
      const r = await runAgent(["--config", config, "--once"]);
      assert.equal(r.code, 0, r.stderr);
      const metrics = parseMetrics(r.stdout);
      return (metrics.get('vigil_pm2_app_restarts_total{pm2_user="root",app="worker"}') ?? 0) >= 1 ? metrics : undefined;
    });
    assert.equal(looping.get('vigil_pm2_up{pm2_user="root"}'), 1);
    type Listed = { name: string; pm2_env: { status: string; restart_time: number } };
    // ...and once PM2 gives up it is errored: still not online, its restarts kept.
    const worker = await waitFor("PM2 to mark the worker errored", async () => {
      const list = JSON.parse(await pm2(home, ["jlist"])) as Listed[];
      return list.find((p) => p.name === "worker" && p.pm2_env.status === "errored");
    });
    await pastPm2MinUptime(launchedBy); // the api is online only after PM2's min_uptime
    const r = await runAgent(["--config", config, "--once"]);
    assert.equal(r.code, 0, r.stderr);
    const m = parseMetrics(r.stdout);
    assert.equal(m.get('vigil_pm2_app_online{pm2_user="root",app="worker"}'), 0);
    assert.equal(m.get('vigil_pm2_up{pm2_user="root"}'), 1);
    assert.equal(m.get('vigil_pm2_app_online{pm2_user="root",app="api"}'), 1);
    assert.equal(m.get('vigil_pm2_app_restarts_total{pm2_user="root",app="api"}'), 0);
    assert.ok(m.get('vigil_pm2_app_memory_bytes{pm2_user="root",app="api"}')! > 1_000_000);
    assert.ok(m.has('vigil_pm2_app_cpu_percent{pm2_user="root",app="api"}'));
    assert.ok(m.get('vigil_pm2_app_uptime_seconds{pm2_user="root",app="api"}')! > 0);
    assert.ok(m.get('vigil_pm2_app_restarts_total{pm2_user="root",app="worker"}')! >= 2);
    assert.equal(m.get('vigil_pm2_app_uptime_seconds{pm2_user="root",app="worker"}'), 0);
    assert.equal(m.get('vigil_pm2_app_online{pm2_user="root",app="billing"}'), 0);
    assert.equal(m.has('vigil_pm2_app_restarts_total{pm2_user="root",app="billing"}'), false);
    assert.equal(m.get('vigil_pm2_app_restarts_total{pm2_user="root",app="worker"}'), worker.pm2_env.restart_time);
  });

  it("does not exit on a socket permission error: an unprivileged agent reports the root daemon down and finishes", async () => {
    const r = await runAgent(["--config", config, "--once"], { asUser: "nobody" });
    assert.equal(r.code, 0, r.stderr);
    const m = parseMetrics(r.stdout);
    assert.equal(m.get('vigil_pm2_up{pm2_user="root"}'), 0);
    assert.match(r.stderr, /rpc\.sock: EACCES/);
    assert.ok(m.has("vigil_agent_last_run_timestamp_seconds"), "the collection completed");
  });

  it("never starts a daemon where none runs (empty PM2_HOME, and one left behind by a dead daemon)", async () => {
    const empty = join(dir, "no-daemon");
    const stale = join(dir, "stale");
    await import("node:fs").then((fs) => {
      fs.mkdirSync(empty);
      fs.mkdirSync(stale);
    });
    writeFileSync(join(stale, "pm2.pid"), "999999\n"); // no such process
    writeFileSync(join(stale, "rpc.sock"), ""); // not a socket
    const cfg = writeConfig(dir, `pm2:\n  - { user: root, pm2Home: ${empty}, apps: [api] }\n  - { user: nobody, pm2Home: ${stale}, apps: [] }\n`, "nodaemon.yaml");
    const r = await runAgent(["--config", cfg, "--once"], { env: { PATH: process.env.PATH, PM2_HOME: empty } });
    assert.equal(r.code, 0, r.stderr);
    const m = parseMetrics(r.stdout);
    assert.equal(m.get('vigil_pm2_up{pm2_user="root"}'), 0);
    assert.equal(m.get('vigil_pm2_app_online{pm2_user="root",app="api"}'), 0);
    assert.equal(m.get('vigil_pm2_up{pm2_user="nobody"}'), 0);
    assert.match(r.stderr, /stale pid file/);
    assert.deepEqual(readdirSync(empty), [], "nothing was created in the empty PM2_HOME");
    assert.equal(existsSync(join(stale, "pub.sock")), false);
    assert.deepEqual(processesMentioning(empty), [], "no process runs for the empty PM2_HOME");
  });
});
