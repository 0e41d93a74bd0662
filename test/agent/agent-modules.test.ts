// The agent's modules in-process: the exposition text, the config reader's located errors, the
// SQLite probe and the integrity schedule over real database files (the real sqlite3 CLI
// backend), PM2's app samples from getMonitorData-shaped records and the daemon checks over real
// files. The other agent tests run the built bundle in a child process (what a host runs); these
// run the source, so `npm run mutate -- agent` can see which of its mutants they catch.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { collect } from "../../agent/src/collect.ts";
import { loadAgentConfigFile, loadAgentConfigText } from "../../agent/src/config.ts";
import { integritySamples, isDue, isWalMode, readState, RETRY_SECONDS, runDueChecks, stateFile } from "../../agent/src/integrity.ts";
import { formatSamples, sample } from "../../agent/src/metrics.ts";
import { appSamples, daemonAbsence, homeOf, pm2HomeOf, PM2_DEFAULT_MIN_UPTIME_MS } from "../../agent/src/pm2-probe.ts";
import { errorLine, formatBudget, integrityVerdict, isCorruption, type SqliteBackend } from "../../agent/src/sqlite-backend.ts";
import { cliBackend } from "../../agent/src/sqlite-cli.ts";
import { loadNodeSqlite, quickCheckInProcess, readStats } from "../../agent/src/sqlite-node.ts";
import { probeSqlite } from "../../agent/src/sqlite-probe.ts";
import { watchFaults } from "../../agent/src/watch.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { SQLITE3, removeDir, requireTools, sql, tempDir } from "./helpers.ts";

// Every test in its own directory: npm run mutate's runner runs the tests again in the same
// process for each mutant (with this file's before and after hooks), and a database a previous
// run created must not be there.
let root: string;
let dir: string;
before(() => {
  root = tempDir("agent-modules");
});
after(() => removeDir(root));
beforeEach(() => {
  dir = mkdtempSync(join(root, "t-"));
});
const backend = cliBackend({ binary: SQLITE3, busyTimeoutMs: 1000 });

describe("metrics: the text exposition format", () => {
  it("groups samples by metric in METRICS order, HELP and TYPE once per metric, labels escaped", () => {
    const text = formatSamples([
      sample("vigil_sqlite_up", { database: 'a"b\\c\nd' }, 1),
      sample("vigil_agent_last_run_timestamp_seconds", {}, 1700000000.5),
      sample("vigil_sqlite_up", { database: "two" }, 0),
      sample("vigil_pm2_app_restarts_total", { pm2_user: "app", app: "web" }, 3),
    ]);
    assert.equal(
      text,
      [
        "# HELP vigil_agent_last_run_timestamp_seconds End of the last completed collection (unix seconds).",
        "# TYPE vigil_agent_last_run_timestamp_seconds gauge",
        "vigil_agent_last_run_timestamp_seconds 1700000000.5",
        "# HELP vigil_sqlite_up 1 if the database file opened read-only and answered.",
        "# TYPE vigil_sqlite_up gauge",
        'vigil_sqlite_up{database="a\\"b\\\\c\\nd"} 1',
        'vigil_sqlite_up{database="two"} 0',
        "# HELP vigil_pm2_app_restarts_total PM2 restart count (sum over instances).",
        "# TYPE vigil_pm2_app_restarts_total counter",
        'vigil_pm2_app_restarts_total{pm2_user="app",app="web"} 3',
        "",
      ].join("\n"),
    );
  });

  it("writes NaN, +Inf and -Inf as Prometheus spells them, and nothing for no samples", () => {
    const values = (v: number) => formatSamples([sample("vigil_sqlite_size_bytes", {}, v)]).split("\n")[2];
    assert.equal(values(Number.NaN), "vigil_sqlite_size_bytes NaN");
    assert.equal(values(Infinity), "vigil_sqlite_size_bytes +Inf");
    assert.equal(values(-Infinity), "vigil_sqlite_size_bytes -Inf");
    assert.equal(values(-2), "vigil_sqlite_size_bytes -2");
    assert.equal(formatSamples([]), "");
  });
});

describe("sqlite-backend: reading SQLite's answers", () => {
  it("quick_check: a single ok row is intact; otherwise the first non-empty row is the problem", () => {
    assert.deepEqual(integrityVerdict(["ok"]), { ran: true, intact: true, detail: "ok" });
    assert.deepEqual(integrityVerdict(["", "  ok  "]), { ran: true, intact: true, detail: "ok" });
    assert.deepEqual(integrityVerdict(["*** in database main ***", "ok"]), { ran: true, intact: false, detail: "*** in database main ***" });
    assert.deepEqual(integrityVerdict([]), { ran: true, intact: false, detail: "no result" });
    assert.deepEqual(integrityVerdict(["  "]), { ran: true, intact: false, detail: "no result" });
  });

  it("errors: the first line without the CLI's prefixes, at most 200 characters; corruption words", () => {
    assert.equal(errorLine("Error: database is locked\nmore"), "database is locked");
    assert.equal(errorLine("  Parse error near line 3: no such table: t  "), "no such table: t");
    assert.equal(errorLine("Runtime error: disk I/O error"), "disk I/O error");
    assert.equal(errorLine("error: unable to open database file"), "unable to open database file");
    assert.equal(errorLine("not an error: kept"), "not an error: kept");
    assert.equal(errorLine("x".repeat(250)), "x".repeat(200));
    for (const m of ["database disk image is malformed", "file is not a database", "Corrupt page"]) assert.ok(isCorruption(m), m);
    assert.equal(isCorruption("database is locked"), false);
  });

  it("budgets read in ms below a second, in whole seconds from one", () => {
    assert.equal(formatBudget(500), "500 ms");
    assert.equal(formatBudget(999), "999 ms");
    assert.equal(formatBudget(1000), "1 s");
    assert.equal(formatBudget(5400), "5 s");
  });
});

describe("config: a host's agent block, located errors", () => {
  it("reads a valid block as YAML or JSON, with the schema's defaults", () => {
    const yaml = loadAgentConfigText("sqlite:\n  - { path: /srv/app/app.db, maxSizeMB: 100 }\n", "agent.yaml");
    assert.ok(yaml.ok, yaml.ok ? "" : formatErrors(yaml.errors));
    assert.deepEqual(yaml.config, { sqlite: [{ path: "/srv/app/app.db", maxSizeMB: 100, integrityEvery: "6h" }], pm2: [] });
    const json = loadAgentConfigText('{"pm2": [{"user": "app", "apps": ["web"]}]}', "agent.json");
    assert.ok(json.ok);
    assert.deepEqual(json.config, { sqlite: [], pm2: [{ user: "app", apps: ["web"] }] });
  });

  it("refuses a non-mapping, a schema error and a cross check, each located", () => {
    const lines = (text: string) => {
      const r = loadAgentConfigText(text, "a.yaml");
      assert.equal(r.ok, false, text);
      return r.ok ? "" : formatErrors(r.errors);
    };
    assert.equal(lines("- 1\n"), "a.yaml:1:1: must be a mapping with sqlite and/or pm2 (a host's agent block)");
    assert.equal(lines("sqlite:\n  - { path: relative.db, maxSizeMB: 1 }\n"), 'a.yaml:2:13 sqlite[0].path: must be an absolute path (no empty, . or .. segments, no control characters) (got "relative.db")');
    assert.equal(
      lines("sqlite:\n  - { path: /a/x.db, maxSizeMB: 1 }\n  - { path: /b/x.db, maxSizeMB: 1, integrityEvery: 30s }\n"),
      [
        'a.yaml:3:5 sqlite[1]: database label "x" repeats sqlite[0]; give one of them a distinct name',
        "a.yaml:3:52 sqlite[1].integrityEvery: must be at least 1m: quick_check reads the whole file",
      ].join("\n"),
    );
  });

  it("a file that cannot be read is one located error naming why", () => {
    const missing = loadAgentConfigFile(join(dir, "nope.yaml"));
    assert.deepEqual(missing.ok ? [] : formatErrors(missing.errors), `${join(dir, "nope.yaml")}: cannot read agent config: no such file`);
    const isDir = loadAgentConfigFile(dir);
    assert.deepEqual(isDir.ok ? [] : formatErrors(isDir.errors), `${dir}: cannot read agent config: is a directory`);
    const file = join(dir, "agent.yaml");
    writeFileSync(file, "pm2: [{ user: app, apps: [] }]\n");
    const read = loadAgentConfigFile(file);
    assert.ok(read.ok);
    assert.deepEqual(read.config.pm2, [{ user: "app", apps: [] }]);
  });
});

describe("the SQLite probe over real files (sqlite3 CLI backend)", () => {
  const byName = (samples: { name: string; value: number }[]) => Object.fromEntries(samples.map((s) => [s.name, s.value]));

  it("a WAL database: up, its size, the -wal's size, free pages times page size", async () => {
    requireTools();
    const path = join(dir, "wal.db");
    await sql(path, "PRAGMA page_size=4096; PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t SELECT randomblob(3000) FROM generate_series(1, 20); PRAGMA wal_checkpoint(TRUNCATE); DELETE FROM t; PRAGMA wal_checkpoint(TRUNCATE);");
    const r = await probeSqlite({ path, name: "orders", maxSizeMB: 1, integrityEvery: "6h" }, backend);
    assert.equal(r.error, undefined);
    const got = byName(r.samples);
    assert.equal(got.vigil_sqlite_up, 1);
    assert.equal(got.vigil_sqlite_size_bytes, readFileSync(path).length);
    assert.equal(got.vigil_sqlite_wal_size_bytes, readFileSync(`${path}-wal`).length);
    const freelist = Number((await sql(path, "PRAGMA freelist_count;")).trim());
    assert.ok(freelist > 0);
    assert.equal(got.vigil_sqlite_freelist_bytes, freelist * 4096);
    assert.deepEqual(new Set(r.samples.map((s) => s.labels.database)), new Set(["orders"]));
    assert.equal(isWalMode(path), true);
  });

  it("a rollback-journal database without -wal reports a -wal of 0 bytes and is not WAL mode", async () => {
    const path = join(dir, "plain.db");
    await sql(path, "CREATE TABLE t(x);");
    const r = await probeSqlite({ path, maxSizeMB: 1, integrityEvery: "6h" }, backend);
    assert.deepEqual(byName(r.samples), { vigil_sqlite_up: 1, vigil_sqlite_size_bytes: readFileSync(path).length, vigil_sqlite_wal_size_bytes: 0, vigil_sqlite_freelist_bytes: 0 });
    assert.equal(r.samples[0]!.labels.database, "plain");
    assert.equal(isWalMode(path), false);
  });

  it("a missing file is down with no other sample; a file that is not a database is down with its size", async () => {
    const missing = await probeSqlite({ path: join(dir, "missing.db"), maxSizeMB: 1, integrityEvery: "6h" }, backend);
    assert.deepEqual(missing, { samples: [sample("vigil_sqlite_up", { database: "missing" }, 0)], error: "no such file" });
    const junk = join(dir, "junk.db");
    writeFileSync(junk, "this is not a database, only text long enough to have a header ".repeat(100));
    const r = await probeSqlite({ path: junk, maxSizeMB: 1, integrityEvery: "6h" }, backend);
    assert.match(r.error ?? "", /not a database/);
    assert.deepEqual(byName(r.samples), { vigil_sqlite_up: 0, vigil_sqlite_size_bytes: 6300, vigil_sqlite_wal_size_bytes: 0 });
    assert.equal(isWalMode(junk), undefined);
    assert.equal(isWalMode(join(dir, "missing.db")), undefined);
  });
});

describe("node:sqlite: the statistics and quick_check the agent runs in-process on Node >= 22.13", () => {
  it("reads page statistics and a verdict from real files; a damaged or missing file is told apart", async (t) => {
    const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
    const DatabaseSync = await loadNodeSqlite();
    if (major < 22 || (major === 22 && minor < 13)) {
      assert.equal(DatabaseSync, undefined, "no node:sqlite before Node 22.13: the agent uses the sqlite3 CLI");
      return t.skip(`Node ${process.versions.node} has no unflagged node:sqlite (CI runs Node 22)`);
    }
    assert.ok(DatabaseSync, `Node ${process.versions.node} should have node:sqlite`);
    requireTools();
    const path = join(dir, "node-sqlite.db");
    await sql(path, "PRAGMA page_size=1024; CREATE TABLE t(x); INSERT INTO t SELECT randomblob(900) FROM generate_series(1, 10); DELETE FROM t;");
    const stats = readStats(DatabaseSync, path, 1000);
    assert.deepEqual(stats, { ok: true, stats: { pageCount: readFileSync(path).length / 1024, freelistCount: Number((await sql(path, "PRAGMA freelist_count;")).trim()), pageSize: 1024 } });
    assert.ok(stats.ok && stats.stats.freelistCount > 0);
    assert.deepEqual(quickCheckInProcess(DatabaseSync, path, 1000), { ran: true, intact: true, detail: "ok" });
    const junk = join(dir, "node-junk.db");
    writeFileSync(junk, "not a database ".repeat(100));
    assert.deepEqual(quickCheckInProcess(DatabaseSync, junk, 1000), { ran: true, intact: false, detail: "file is not a database" });
    assert.deepEqual(readStats(DatabaseSync, junk, 1000), { ok: false, error: "file is not a database" });
    const missing = quickCheckInProcess(DatabaseSync, join(dir, "node-missing.db"), 1000);
    assert.deepEqual(missing, { ran: false, error: "unable to open database file" });
  });
});

describe("integrity: the quick_check schedule and its state file", () => {
  const db = (name: string) => ({ path: join(dir, `${name}.db`), maxSizeMB: 1, integrityEvery: "1h" });

  it("is due without a record, at nextAt, or an integrityEvery after the last attempt in old state files", () => {
    assert.equal(isDue(db("a"), undefined, 0), true);
    assert.equal(isDue(db("a"), { attemptedAt: 1000, nextAt: 2000 }, 1999), false);
    assert.equal(isDue(db("a"), { attemptedAt: 1000, nextAt: 2000 }, 2000), true);
    assert.equal(isDue(db("a"), { attemptedAt: 1000 }, 1000 + 3599), false);
    assert.equal(isDue(db("a"), { attemptedAt: 1000 }, 1000 + 3600), true);
  });

  it("samples only after a finished check", () => {
    assert.deepEqual(integritySamples(db("a"), undefined), []);
    assert.deepEqual(integritySamples(db("a"), { attemptedAt: 5, detail: "locked" }), []);
    assert.deepEqual(integritySamples(db("a"), { ok: false, attemptedAt: 5 }), []);
    assert.deepEqual(integritySamples(db("a"), { ok: false, checkedAt: 7, attemptedAt: 5 }), [
      sample("vigil_sqlite_integrity_ok", { database: "a" }, 0),
      sample("vigil_sqlite_integrity_check_timestamp_seconds", { database: "a" }, 7),
    ]);
    assert.equal(integritySamples(db("a"), { ok: true, checkedAt: 7, attemptedAt: 5 })[0]!.value, 1);
  });

  it("a state file that is missing, not JSON or not a mapping reads as empty", () => {
    const file = join(dir, "state.json");
    assert.deepEqual(readState(file), {});
    for (const text of ["{", "[1]", "null", "3"]) {
      writeFileSync(file, text);
      assert.deepEqual(readState(file), {}, text);
    }
    writeFileSync(file, '{"/a.db": {"attemptedAt": 1}}');
    assert.deepEqual(readState(file), { "/a.db": { attemptedAt: 1 } });
    assert.equal(stateFile("/var/lib/vigil-agent"), "/var/lib/vigil-agent/integrity.json");
  });

  it("runs quick_check on due files only, saves verdicts, skips missing files, retries an unopenable one soon", async () => {
    requireTools();
    const stateDir = join(dir, "integrity");
    mkdirSync(stateDir, { recursive: true });
    const file = stateFile(stateDir);
    const good = db("good");
    await sql(good.path, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    const junk = db("junk");
    writeFileSync(junk.path, "SQLite format 3\0".padEnd(4096, "\u0001"));
    const log: string[] = [];
    const options = { backend, file, budgetMs: 10_000, rollbackBudgetMs: 2_000, log: (l: string) => void log.push(l) };
    const before = Math.floor(Date.now() / 1000);
    const first = await runDueChecks([good, junk, db("absent")], options);
    assert.equal(first.saved, true);
    assert.deepEqual(Object.keys(first.state).sort(), [good.path, junk.path].sort());
    const g = first.state[good.path]!;
    assert.equal(g.ok, true);
    assert.equal(g.detail, "ok");
    assert.ok(g.checkedAt! >= before && g.nextAt === g.attemptedAt + 3600, JSON.stringify(g));
    // A damaged file is a verdict (not intact), checked again an integrityEvery later.
    const j = first.state[junk.path]!;
    assert.equal(j.ok, false);
    assert.equal(j.detail, "in prepare, file is not a database (26)");
    assert.equal(j.nextAt, j.attemptedAt + 3600);
    assert.ok(log.includes(`sqlite junk (${junk.path}): quick_check failed: in prepare, file is not a database (26)`), log.join("\n"));
    // One SQLite cannot open at all (here a directory) is no verdict: the last one is kept and
    // the check is tried again after RETRY_SECONDS, not a whole integrityEvery.
    const unopenable = db("unopenable");
    mkdirSync(unopenable.path);
    const prior = { ok: true, checkedAt: 100, attemptedAt: 90, nextAt: 0 };
    writeFileSync(file, JSON.stringify({ ...first.state, [unopenable.path]: prior }));
    const second = await runDueChecks([unopenable], options);
    const u = second.state[unopenable.path]!;
    assert.equal(u.ok, true);
    assert.equal(u.checkedAt, 100);
    assert.equal(u.nextAt, u.attemptedAt + RETRY_SECONDS);
    assert.match(u.detail ?? "", /^unable to open database ".*unopenable\.db"/);
    assert.match(log.at(-1)!, /^sqlite unopenable \(.*unopenable\.db\): quick_check did not finish: unable to open database "/);
    assert.deepEqual(readState(file), second.state);
    // Nothing is due an instant later; --integrity (force) checks again.
    let calls = 0;
    const counted: SqliteBackend = { ...backend, quickCheck: (p, b) => (calls++, backend.quickCheck(p, b)) };
    await runDueChecks([good], { ...options, backend: counted });
    assert.equal(calls, 0);
    await runDueChecks([good], { ...options, backend: counted, force: true });
    assert.equal(calls, 1);
    // A state directory that does not exist: the verdict is not saved, and the run says so.
    const lost = await runDueChecks([good], { ...options, file: join(dir, "no-such-dir", "integrity.json"), force: true });
    assert.equal(lost.saved, false);
    assert.match(log.at(-1)!, /^cannot save integrity state .*no-such-dir\/integrity\.json: ENOENT$/);
  });
});

describe("PM2: app samples and the daemon's presence", () => {
  const NOW = 1_700_000_000_000;
  const proc = (name: string, status: string, uptimeMs: number, extra: Record<string, unknown> = {}) => ({
    name,
    pm2_env: { status, pm_uptime: NOW - uptimeMs, restart_time: 2, ...extra },
    monit: { memory: 1000, cpu: 1.5 },
  });
  const values = (r: ReturnType<typeof appSamples>, app: string) =>
    Object.fromEntries(r.samples.filter((s) => s.labels.app === app).map((s) => [s.name, s.value]));

  it("sums a cluster's instances; online only when every instance has been online its min_uptime", () => {
    const r = appSamples("app", [proc("web", "online", 10_000), proc("web", "online", 4_000)], ["web"], NOW);
    assert.deepEqual(values(r, "web"), {
      vigil_pm2_app_online: 1,
      vigil_pm2_app_restarts_total: 4,
      vigil_pm2_app_memory_bytes: 2000,
      vigil_pm2_app_cpu_percent: 3,
      vigil_pm2_app_uptime_seconds: 4,
    });
    assert.equal(r.settlesAtMs, undefined);
    assert.deepEqual(r.samples[0]!.labels, { pm2_user: "app", app: "web" });
  });

  it("a just-started instance is not online yet and says when it settles; a stopped one is not online", () => {
    const young = appSamples("app", [proc("web", "online", 10_000), proc("web", "online", 300)], [], NOW);
    assert.equal(values(young, "web").vigil_pm2_app_online, 0);
    assert.equal(values(young, "web").vigil_pm2_app_uptime_seconds, 0);
    assert.equal(young.settlesAtMs, NOW - 300 + PM2_DEFAULT_MIN_UPTIME_MS);
    const exact = appSamples("app", [proc("web", "online", PM2_DEFAULT_MIN_UPTIME_MS)], [], NOW);
    assert.equal(values(exact, "web").vigil_pm2_app_online, 1, "online for exactly min_uptime counts");
    const ownMin = appSamples("app", [proc("web", "online", 4_000, { min_uptime: 5_000 }), proc("api", "online", 4_000, { min_uptime: "junk" })], [], NOW);
    assert.equal(values(ownMin, "web").vigil_pm2_app_online, 0);
    assert.equal(ownMin.settlesAtMs, NOW + 1_000);
    assert.equal(values(ownMin, "api").vigil_pm2_app_online, 1, "an unreadable min_uptime is PM2's default");
    const stopped = appSamples("app", [proc("web", "stopped", 60_000)], [], NOW);
    assert.equal(values(stopped, "web").vigil_pm2_app_online, 0);
    assert.equal(stopped.settlesAtMs, undefined);
  });

  it("an expected app that is missing is offline with no other sample; modules and nameless records are left out", () => {
    const r = appSamples("app", [proc("pm2-logrotate", "online", 60_000, { pmx_module: true }), { pm2_env: { status: "online" } }], ["web"], NOW);
    assert.deepEqual(r.samples, [sample("vigil_pm2_app_online", { pm2_user: "app", app: "web" }, 0)]);
  });

  it("a user's home comes from the passwd file; PM2_HOME defaults to ~/.pm2", () => {
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "root:x:0:0:root:/root:/bin/bash\napp:x:1000:1000::/home/app:/bin/sh\nshort:x:1\n");
    assert.equal(homeOf("app", passwd), "/home/app");
    assert.equal(homeOf("short", passwd), undefined);
    assert.equal(homeOf("nobody-here", passwd), undefined);
    assert.equal(homeOf("root"), "/root");
    assert.equal(pm2HomeOf({ user: "root", apps: [] }), "/root/.pm2");
    assert.equal(pm2HomeOf({ user: "root", pm2Home: "/srv/pm2", apps: [] }), "/srv/pm2");
    assert.equal(pm2HomeOf({ user: "no-such-user-here", apps: [] }), undefined);
  });

  it("the daemon is absent without a pid file, with a dead or foreign pid, or without its socket", async () => {
    const home = join(dir, "pm2-home");
    mkdirSync(home, { recursive: true });
    assert.equal(daemonAbsence(home), `no ${home}/pm2.pid: daemon not running`);
    writeFileSync(join(home, "pm2.pid"), "x\n");
    assert.equal(daemonAbsence(home), `${home}/pm2.pid holds no pid`);
    writeFileSync(join(home, "pm2.pid"), "0\n");
    assert.equal(daemonAbsence(home), `${home}/pm2.pid holds no pid`);
    writeFileSync(join(home, "pm2.pid"), "999999999\n");
    assert.equal(daemonAbsence(home), `pid 999999999 from ${home}/pm2.pid is not running (stale pid file)`);
    // This test's own process is alive but no PM2 daemon.
    writeFileSync(join(home, "pm2.pid"), `${process.pid}\n`);
    const self = readFileSync(`/proc/${process.pid}/cmdline`, "utf8");
    if (!/PM2|God Daemon|pm2/.test(self)) assert.equal(daemonAbsence(home), `pid ${process.pid} from ${home}/pm2.pid is not a PM2 daemon`);
    // A process whose command line says PM2: a child named so by its argv.
    const { spawn } = await import("node:child_process");
    const god = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "PM2 v5.4.3: God Daemon (test)"], { stdio: "ignore" });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      writeFileSync(join(home, "pm2.pid"), `${god.pid}\n`);
      assert.equal(daemonAbsence(home), `cannot stat ${home}/rpc.sock: ENOENT`);
      writeFileSync(join(home, "rpc.sock"), "");
      assert.equal(daemonAbsence(home), `${home}/rpc.sock is not a socket`);
      removeDir(join(home, "rpc.sock"));
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(join(home, "rpc.sock"), resolve));
      try {
        assert.equal(daemonAbsence(home), undefined);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    } finally {
      god.kill();
    }
  });
});

describe("collect: every probe on its own", () => {
  it("a missing database and an absent PM2 daemon are each down, beside a healthy database and its integrity verdict", async () => {
    requireTools();
    const path = join(dir, "shop.db");
    await sql(path, "CREATE TABLE t(x);");
    const state = join(dir, "collect-state.json");
    writeFileSync(state, JSON.stringify({ [path]: { ok: true, checkedAt: 1234, attemptedAt: 1200 } }));
    const log: string[] = [];
    const settles: number[] = [];
    const samples = await collect(
      {
        sqlite: [
          { path, maxSizeMB: 1, integrityEvery: "6h" },
          { path: join(dir, "gone.db"), name: "gone", maxSizeMB: 1, integrityEvery: "6h" },
        ],
        pm2: [{ user: "root", pm2Home: join(dir, "no-pm2"), apps: ["web"] }],
      },
      { backend, stateFile: state, pm2TimeoutMs: 1000, log: (l) => void log.push(l), settlesAt: (ms) => void settles.push(ms) },
    );
    const find = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    assert.equal(find("vigil_sqlite_up", { database: "shop" }), 1);
    assert.equal(find("vigil_sqlite_integrity_ok", { database: "shop" }), 1);
    assert.equal(find("vigil_sqlite_integrity_check_timestamp_seconds", { database: "shop" }), 1234);
    assert.equal(find("vigil_sqlite_up", { database: "gone" }), 0);
    assert.equal(find("vigil_pm2_up", { pm2_user: "root" }), 0);
    assert.equal(find("vigil_pm2_app_online", { pm2_user: "root", app: "web" }), 0);
    const last = samples.at(-1)!;
    assert.equal(last.name, "vigil_agent_last_run_timestamp_seconds");
    assert.ok(Math.abs(last.value - Date.now() / 1000) < 60);
    assert.deepEqual(log.sort(), [`pm2 root: no ${join(dir, "no-pm2")}/pm2.pid: daemon not running`, `sqlite gone (${join(dir, "gone.db")}): no such file`]);
    assert.deepEqual(settles, []);
  });
});

describe("watch: a database file that goes or comes back triggers a collection (inotify on its directory)", () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  async function until(events: string[], n: number): Promise<void> {
    for (let i = 0; i < 40 && events.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  it("deleted, re-created and renamed away are told, writes and other files are not; a missing directory is watched once it exists", async () => {
    const data = join(dir, "watched");
    mkdirSync(data);
    const path = join(data, "app.db");
    writeFileSync(path, "x");
    const later = join(dir, "later", "late.db");
    const events: string[] = [];
    const logs: string[] = [];
    const watches = watchFaults({ sqlite: [{ path, maxSizeMB: 1, integrityEvery: "6h" }, { path: later, maxSizeMB: 1, integrityEvery: "6h" }], pm2: [] }, (why) => void events.push(why), (l) => void logs.push(l));
    try {
      assert.deepEqual(logs, ["watching 1 database(s) and 0 PM2 bus(es) for immediate publication"]);
      appendFileSync(path, "more");
      writeFileSync(join(data, "other.db"), "y");
      rmSync(join(data, "other.db"));
      await settle();
      assert.deepEqual(events, [], "a write to the file or another file of the directory");
      rmSync(path);
      await until(events, 1);
      assert.deepEqual(events, [`${path} is gone`]);
      writeFileSync(path, "back");
      await until(events, 2);
      assert.deepEqual(events, [`${path} is gone`, `${path} appeared`]);
      renameSync(path, join(data, "moved.db"));
      await until(events, 3);
      assert.deepEqual(events.slice(2), [`${path} is gone`]);
      // The second database's directory did not exist: the next tick's refresh watches it.
      mkdirSync(dirname(later));
      watches.refresh();
      writeFileSync(later, "z");
      await until(events, 4);
      assert.deepEqual(events.slice(3), [`${later} appeared`]);
    } finally {
      watches.close();
    }
    // Closed: nothing more is told.
    rmSync(later);
    await settle();
    assert.equal(events.length, 4);
  });
});
