// Immediate publication (agent/src/watch.ts): the RESIDENT agent (the built bundle, on Node 18)
// with a one-hour interval, so anything it publishes after its first collection was triggered by
// a watch: a deleted SQLite file, a PM2 app stopped, the PM2 daemon killed (a real daemon in a
// temporary PM2_HOME). And once the daemon is gone, the agent starts none.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BUNDLE, NODE18, PM2, parseMetrics, removeDir, requireNode, requireTools, sql, tempDir, waitFor, writeConfig } from "./helpers.ts";

function pm2(home: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [PM2, ...args], { env: { PATH: process.env.PATH, HOME: home, PM2_HOME: home }, timeout: 60_000 }, (error, stdout, stderr) =>
      error ? fail(new Error(`pm2 ${args.join(" ")}: ${error.message} ${stderr}`)) : done(String(stdout)),
    );
  });
}

const read = (file: string): Map<string, number> => (existsSync(file) ? parseMetrics(readFileSync(file, "utf8")) : new Map());

/** Waits until the published textfile has `series` at `value`; returns how long that took (ms). */
async function published(file: string, series: string, value: number, ms = 5000): Promise<number> {
  const started = Date.now();
  await waitFor(`${series} ${value} in ${file}`, async () => (read(file).get(series) === value ? true : undefined), ms);
  return Date.now() - started;
}

describe("resident agent: faults it can see are published at once, not at the next tick", () => {
  let dir: string;
  let home: string;
  let db: string;
  let textfile: string;
  let agent: ChildProcess;
  let stderr = "";

  before(async () => {
    requireTools();
    dir = tempDir("watch");
    home = join(dir, "pm2-home");
    db = join(dir, "data", "app.db");
    mkdirSync(join(dir, "data"));
    await sql(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    writeFileSync(join(dir, "api.js"), "setInterval(() => {}, 1000);\n");
    await pm2(home, ["start", join(dir, "api.js"), "--name", "api"]);
    const config = writeConfig(dir, `sqlite:\n  - { path: ${db}, maxSizeMB: 10, integrityEvery: 1h }\npm2:\n  - { user: root, pm2Home: ${home}, apps: [api] }\n`);
    textfile = join(dir, "vigil.prom");
    agent = spawn(requireNode(NODE18), [BUNDLE, "--config", config, "--textfile", textfile, "--interval", "1h", "--state-dir", dir], {
      env: { PATH: process.env.PATH },
      stdio: ["ignore", "ignore", "pipe"],
    });
    agent.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    // The first (untriggered) collection, and the bus connected.
    await published(textfile, 'vigil_pm2_app_online{pm2_user="root",app="api"}', 1, 15_000);
    await published(textfile, 'vigil_sqlite_up{database="app"}', 1, 15_000);
    await waitFor("the agent's watches", async () => (stderr.includes("watching 1 database(s) and 1 PM2 bus(es)") ? true : undefined), 15_000);
  });

  after(async () => {
    agent?.kill("SIGTERM");
    try {
      await pm2(home, ["kill"]);
    } catch {
      // already gone (the last test kills it)
    }
    if (dir) removeDir(dir);
  });

  it("a deleted database file is published within a second, and its return too", async () => {
    rmSync(db);
    const gone = await published(textfile, 'vigil_sqlite_up{database="app"}', 0);
    assert.ok(gone < 2000, `published after ${gone} ms`);
    await sql(db, "CREATE TABLE t(x);");
    await published(textfile, 'vigil_sqlite_up{database="app"}', 1);
  });

  it("a stopped PM2 app is published within a second", async () => {
    await pm2(home, ["stop", "api"]);
    const down = await published(textfile, 'vigil_pm2_app_online{pm2_user="root",app="api"}', 0);
    assert.ok(down < 2000, `published after ${down} ms`);
    await pm2(home, ["start", "api"]);
    await published(textfile, 'vigil_pm2_app_online{pm2_user="root",app="api"}', 1);
  });

  it("a restarted app is published online once it has been up min_uptime (PM2's default 1 s), by the agent's own timer", async () => {
    const series = 'vigil_pm2_app_online{pm2_user="root",app="api"}';
    await pm2(home, ["restart", "api"]);
    const restarted = Date.now();
    // The bus's online event is collected 200 ms later: the instance is younger than min_uptime.
    await published(textfile, series, 0, 2000);
    await published(textfile, series, 1, 4000);
    const after = Date.now() - restarted;
    // The interval is an hour: only the settle timer (pm_uptime + min_uptime) can have published it.
    assert.ok(after >= 700 && after < 3500, `online published ${after} ms after the restart`);
  });

  it("a crash-looping app is never published online, though PM2 shows it online after each restart", async () => {
    const series = 'vigil_pm2_app_online{pm2_user="root",app="crashy"}';
    const restarts = 'vigil_pm2_app_restarts_total{pm2_user="root",app="crashy"}';
    writeFileSync(join(dir, "crashy.js"), "setTimeout(() => process.exit(1), 400);\n");
    // min_uptime has no CLI flag: an ecosystem file, as apps set it.
    const ecosystem = join(dir, "crashy.config.js");
    writeFileSync(ecosystem, `module.exports = { apps: [{ name: "crashy", script: ${JSON.stringify(join(dir, "crashy.js"))}, min_uptime: 2000, restart_delay: 300 }] };\n`);
    const seen: number[] = [];
    const poll = setInterval(() => {
      const v = read(textfile).get(series);
      if (v !== undefined && seen.at(-1) !== v) seen.push(v);
    }, 20);
    try {
      // Each start lives 400 ms, under min_uptime (2 s); the bus announces each one, and each
      // announcement is collected 200 ms later, while PM2 says online.
      await pm2(home, ["start", ecosystem]);
      await new Promise((r) => setTimeout(r, 4000));
    } finally {
      clearInterval(poll);
      await pm2(home, ["delete", "crashy"]).catch(() => undefined);
    }
    assert.ok((read(textfile).get(restarts) ?? 0) >= 2, `PM2 restarted crashy: ${read(textfile).get(restarts)}`);
    assert.deepEqual(seen, [0], `published values of ${series} over the crash loop: ${seen.join(", ")}`);
  });

  it("a killed PM2 daemon is published within a second, and the agent starts no daemon", async () => {
    const pid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    const down = await published(textfile, 'vigil_pm2_up{pm2_user="root"}', 0);
    assert.ok(down < 2000, `published after ${down} ms`);
    // The god daemon's apps die with it only on a clean kill; stop the orphan ourselves.
    for (const entry of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
      try {
        if (readFileSync(`/proc/${entry}/environ`, "utf8").includes(`PM2_HOME=${home}`)) process.kill(Number(entry), "SIGKILL");
      } catch {
        // gone, or not ours
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(existsSync(join(home, "pm2.pid")) && Number(readFileSync(join(home, "pm2.pid"), "utf8")) !== pid, false, "no new daemon");
    assert.equal(agent.exitCode, null, `the agent keeps running: ${stderr}`);
  });
});
