// The SQLite scenarios, run against the built bundle with one backend (sqlite3 CLI or
// node:sqlite): real database files made here, real locks held by real sqlite3 processes.
import assert from "node:assert/strict";
import { chmodSync, existsSync, openSync, readFileSync, statSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SqliteSession, parseMetrics, removeDir, requireTools, runAgent, sql, tempDir, writeConfig } from "./helpers.ts";

export interface Backend {
  /** --sqlite value. */
  sqlite: "cli" | "node";
  /** The node binary that runs the bundle. */
  node?: string;
}

/** Overwrites `count` pages from page `first` (1-based) with garbage. */
function corruptPages(db: string, first: number, count: number, pageSize = 4096): void {
  const fd = openSync(db, "r+");
  try {
    const garbage = Buffer.alloc(pageSize * count, 0xa5);
    writeSync(fd, garbage, 0, garbage.length, (first - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

const FILL = "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400) INSERT INTO t(v) SELECT randomblob(800) FROM n;";

export function sqliteSuite(backend: Backend): void {
  const base = ["--sqlite", backend.sqlite, "--busy-timeout", "300ms"];
  const run = (args: string[], asUser?: string) => runAgent([...base, ...args], { node: backend.node, asUser });

  describe(`SQLite probes (${backend.sqlite} backend)`, () => {
    let dir: string;
    let config: string;
    const db = (name: string) => join(dir, `${name}.db`);

    before(async () => {
      requireTools();
      dir = tempDir(`sqlite-${backend.sqlite}`);
      await sql(db("healthy"), `PRAGMA journal_mode=wal; ${FILL} DELETE FROM t WHERE id > 200;`);
      await sql(db("big"), `PRAGMA page_size=4096; ${FILL}`);
      await sql(db("corrupt"), FILL);
      corruptPages(db("corrupt"), 5, 20);
      await sql(db("garbage"), FILL);
      corruptPages(db("garbage"), 1, 1);
      await sql(db("rollback"), FILL);
      await sql(db("secret"), FILL);
      for (const f of ["healthy", "big", "corrupt", "garbage", "rollback"]) chmodSync(db(f), 0o644);
      chmodSync(db("secret"), 0o600);
      config = writeConfig(
        dir,
        `sqlite:
  - { path: ${db("healthy")}, maxSizeMB: 10, maxWalMB: 4 }
  - { path: ${db("big")}, name: oversized, maxSizeMB: 0.1 }
  - { path: ${db("corrupt")}, maxSizeMB: 10 }
  - { path: ${db("garbage")}, maxSizeMB: 10 }
  - { path: ${db("rollback")}, maxSizeMB: 10 }
  - { path: ${db("secret")}, maxSizeMB: 10 }
  - { path: ${db("missing")}, maxSizeMB: 10 }
`,
      );
    });
    after(() => removeDir(dir));

    it("reports size, WAL size and freelist bytes of a healthy database, and every database even when some fail", async () => {
      const r = await run(["--config", config, "--once", "--state-dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      const m = parseMetrics(r.stdout);
      assert.equal(m.get('vigil_sqlite_up{database="healthy"}'), 1);
      assert.equal(m.get('vigil_sqlite_size_bytes{database="healthy"}'), statSync(db("healthy")).size);
      assert.equal(m.get('vigil_sqlite_wal_size_bytes{database="healthy"}'), existsSync(`${db("healthy")}-wal`) ? statSync(`${db("healthy")}-wal`).size : 0);
      const freelist = Number((await sql(db("healthy"), "PRAGMA freelist_count;")).trim()) * 4096;
      assert.ok(freelist > 0, "the fixture deletes rows, leaving free pages");
      assert.equal(m.get('vigil_sqlite_freelist_bytes{database="healthy"}'), freelist);
      // the oversized one: its size is reported as it is (the alert compares it to maxSizeMB)
      assert.equal(m.get('vigil_sqlite_up{database="oversized"}'), 1);
      assert.ok(m.get('vigil_sqlite_size_bytes{database="oversized"}')! > 0.1 * 1024 * 1024);
      // pages overwritten in the middle: the header still answers; quick_check will tell
      assert.equal(m.get('vigil_sqlite_up{database="corrupt"}'), 1);
      // page 1 overwritten: not a database any more
      assert.equal(m.get('vigil_sqlite_up{database="garbage"}'), 0);
      assert.equal(m.get('vigil_sqlite_size_bytes{database="garbage"}'), statSync(db("garbage")).size);
      assert.match(r.stderr, /garbage.*not a database/);
      // missing: up 0, and opening read-only did not create it
      assert.equal(m.get('vigil_sqlite_up{database="missing"}'), 0);
      assert.equal(existsSync(db("missing")), false);
      assert.ok(m.get("vigil_agent_last_run_timestamp_seconds")! > Date.now() / 1000 - 60);
    });

    it("reads a WAL database while the application holds its write lock, and the writer sees no error", async () => {
      const writer = new SqliteSession(db("healthy"), [".timeout 0"]);
      try {
        await writer.send("BEGIN IMMEDIATE; INSERT INTO t(v) VALUES (randomblob(5000));");
        const r = await run(["--config", config, "--once", "--state-dir", dir]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(parseMetrics(r.stdout).get('vigil_sqlite_up{database="healthy"}'), 1);
        await writer.send("COMMIT;");
        assert.equal(writer.stderr, "");
      } finally {
        await writer.close();
      }
    });

    it("a concurrent writer (busy timeout 0) never sees SQLITE_BUSY while the agent collects and runs quick_check", async () => {
      const busy = db("busy");
      await sql(busy, "PRAGMA journal_mode=wal; CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 20000) INSERT INTO t(v) SELECT randomblob(1000) FROM n;");
      chmodSync(busy, 0o644);
      const cfg = writeConfig(dir, `sqlite:\n  - { path: ${busy}, maxSizeMB: 100 }\n`, "busy.yaml");
      const state = tempDir("busy-state");
      const writer = new SqliteSession(busy, [".timeout 0"]);
      let writing = true;
      let batches = 0;
      const writes = (async () => {
        while (writing) {
          await writer.send("INSERT INTO t(v) VALUES (randomblob(2000));\n".repeat(20));
          batches++;
        }
      })();
      try {
        for (let i = 0; i < 3; i++) {
          const check = await run(["--config", cfg, "--integrity", "--force", "--state-dir", state]);
          assert.equal(check.code, 0, check.stderr);
          const once = await run(["--config", cfg, "--once", "--state-dir", state]);
          assert.equal(parseMetrics(once.stdout).get('vigil_sqlite_up{database="busy"}'), 1, once.stderr);
          assert.equal(parseMetrics(once.stdout).get('vigil_sqlite_integrity_ok{database="busy"}'), 1, once.stderr);
        }
      } finally {
        writing = false;
        await writes.catch(() => undefined);
        await writer.close();
        removeDir(state);
      }
      assert.ok(batches > 3, "the writer wrote while the agent ran");
      assert.doesNotMatch(writer.stderr, /locked|busy/i);
      assert.equal(writer.stderr, "");
    });

    it("reports a rollback-journal database locked by a writer as down after the busy timeout, without failing the others", async () => {
      const writer = new SqliteSession(db("rollback"));
      try {
        await writer.send("BEGIN EXCLUSIVE; INSERT INTO t(v) VALUES (randomblob(100));");
        const r = await run(["--config", config, "--once", "--state-dir", dir]);
        assert.equal(r.code, 0, r.stderr);
        const m = parseMetrics(r.stdout);
        assert.equal(m.get('vigil_sqlite_up{database="rollback"}'), 0);
        assert.match(r.stderr, /rollback.*locked/);
        assert.equal(m.get('vigil_sqlite_up{database="healthy"}'), 1);
        await writer.send("COMMIT;");
        assert.equal(writer.stderr, "");
      } finally {
        await writer.close();
      }
    });

    it("as an unprivileged user: an unreadable file is up 0, a WAL database in use by its (root) application is readable", async () => {
      const app = new SqliteSession(db("healthy"));
      try {
        await app.send("INSERT INTO t(v) VALUES (randomblob(100));"); // -wal and -shm exist, owned by root, 0644
        const r = await run(["--config", config, "--once", "--state-dir", dir], "nobody");
        assert.equal(r.code, 0, r.stderr);
        const m = parseMetrics(r.stdout);
        assert.equal(m.get('vigil_sqlite_up{database="secret"}'), 0);
        assert.match(r.stderr, /secret/);
        assert.equal(m.get('vigil_sqlite_up{database="healthy"}'), 1, r.stderr);
        assert.equal(m.get('vigil_sqlite_up{database="oversized"}'), 1);
        assert.equal(statSync(`${db("healthy")}-shm`).uid, 0, "the agent did not take over the -shm file");
        // a check that cannot open its file is retried in 5 minutes, not after integrityEvery (6h)
        const state = tempDir("nobody-state");
        chmodSync(state, 0o777);
        try {
          const check = await run(["--config", config, "--integrity", "--state-dir", state], "nobody");
          assert.equal(check.code, 0, check.stderr);
          const saved = JSON.parse(readFileSync(join(state, "integrity.json"), "utf8")) as Record<string, { ok?: boolean; attemptedAt: number; nextAt: number }>;
          assert.equal(saved[db("secret")]!.ok, undefined);
          assert.equal(saved[db("secret")]!.nextAt - saved[db("secret")]!.attemptedAt, 300);
          assert.equal(saved[db("healthy")]!.ok, true);
          assert.equal(saved[db("healthy")]!.nextAt - saved[db("healthy")]!.attemptedAt, 6 * 3600);
        } finally {
          removeDir(state);
        }
      } finally {
        await app.close();
      }
    });

    it("runs quick_check on demand, remembers the verdict and time, and reports them in later collections", async () => {
      const state = tempDir("state");
      try {
        const check = await run(["--config", config, "--integrity", "--state-dir", state]);
        assert.equal(check.code, 0, check.stderr);
        const saved = JSON.parse(readFileSync(join(state, "integrity.json"), "utf8")) as Record<string, { ok?: boolean; checkedAt?: number; attemptedAt: number }>;
        assert.equal(saved[db("healthy")]?.ok, true);
        assert.equal(saved[db("corrupt")]?.ok, false);
        assert.equal(saved[db("garbage")]?.ok, false);
        assert.equal(saved[db("missing")], undefined);
        const r = await run(["--config", config, "--once", "--state-dir", state]);
        const m = parseMetrics(r.stdout);
        assert.equal(m.get('vigil_sqlite_integrity_ok{database="healthy"}'), 1);
        assert.equal(m.get('vigil_sqlite_integrity_ok{database="corrupt"}'), 0);
        assert.equal(m.get('vigil_sqlite_integrity_ok{database="garbage"}'), 0);
        assert.equal(m.get('vigil_sqlite_integrity_check_timestamp_seconds{database="healthy"}'), saved[db("healthy")]?.checkedAt);
        assert.equal(m.has('vigil_sqlite_integrity_ok{database="missing"}'), false);
        // not due again (integrityEvery defaults to 6h): a second run leaves the state alone
        const before = readFileSync(join(state, "integrity.json"), "utf8");
        await run(["--config", config, "--integrity", "--state-dir", state]);
        assert.equal(readFileSync(join(state, "integrity.json"), "utf8"), before);
      } finally {
        removeDir(state);
      }
    });

    it("fails an integrity pass whose verdict cannot be saved (missing state directory)", async () => {
      const parent = tempDir("no-state");
      try {
        const check = await run(["--config", config, "--integrity", "--force", "--state-dir", join(parent, "missing")]);
        assert.equal(check.code, 1, `exit ${check.code}: ${check.stderr}`);
        assert.match(check.stderr, /cannot save integrity state .*missing\/integrity\.json: ENOENT/);
        assert.doesNotMatch(check.stderr, /\n\s+at /);
      } finally {
        removeDir(parent);
      }
    });

    it("kills a quick_check that exceeds its budget (here: waiting on a lock) and keeps no verdict for it", async () => {
      const state = tempDir("budget");
      const writer = new SqliteSession(db("rollback"));
      try {
        await writer.send("BEGIN EXCLUSIVE; INSERT INTO t(v) VALUES (randomblob(100));");
        // rollback-journal mode: its own (short) budget, whatever --integrity-budget says
        const check = await run(["--config", config, "--integrity", "--busy-timeout", "20s", "--integrity-budget", "10m", "--rollback-integrity-budget", "500ms", "--state-dir", state]);
        assert.equal(check.code, 0, check.stderr);
        assert.match(check.stderr, /rollback.*exceeded its 500 ms budget/);
        const saved = JSON.parse(readFileSync(join(state, "integrity.json"), "utf8")) as Record<string, { attemptedAt: number; nextAt: number }>;
        assert.equal(saved[db("rollback")]!.nextAt - saved[db("rollback")]!.attemptedAt, 6 * 3600, "over budget: wait for the next slot");
        const r = await run(["--config", config, "--once", "--state-dir", state]);
        const m = parseMetrics(r.stdout);
        assert.equal(m.has('vigil_sqlite_integrity_ok{database="rollback"}'), false);
        assert.equal(m.get('vigil_sqlite_integrity_ok{database="healthy"}'), 1);
        await writer.send("COMMIT;");
        assert.equal(writer.stderr, "");
      } finally {
        await writer.close();
        removeDir(state);
      }
    });
  });
}
