// The resident agent's SQLite answer cache (sqlite-probe.ts): the real sqlite3 CLI backend is
// asked once while the database is unchanged, and again after a write, a chmod, a replacement;
// a failed answer is never re-used. Without a cache (--once) every probe asks.
import assert from "node:assert/strict";
import { chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { cliBackend } from "../../agent/src/sqlite-cli.ts";
import { probeSqlite, type StatsCache } from "../../agent/src/sqlite-probe.ts";
import type { SqliteBackend } from "../../agent/src/sqlite-backend.ts";
import { SQLITE3, removeDir, requireTools, sql, tempDir } from "./helpers.ts";

describe("SQLite answers of unchanged databases are re-used by a resident agent", () => {
  // Each test gets its own database and count of backend calls, made in beforeEach: either test
  // runs alone (--test-name-pattern), and npm run mutate's runner runs them again per mutant,
  // hooks included.
  let dir: string;
  const db = { path: "", maxSizeMB: 10, integrityEvery: "6h" };
  let calls = 0;
  beforeEach(async () => {
    requireTools();
    dir = tempDir("stats-cache");
    db.path = join(dir, "app.db");
    await sql(db.path, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    calls = 0;
  });
  afterEach(() => removeDir(dir));
  const real = cliBackend({ binary: SQLITE3, busyTimeoutMs: 1000 });
  const counted: SqliteBackend = { ...real, stats: (path) => (calls++, real.stats(path)) };
  const up = (r: Awaited<ReturnType<typeof probeSqlite>>) => r.samples.find((s) => s.name === "vigil_sqlite_up")!.value;

  it("asks once while nothing changes, again after a write, a chmod and a replacement", async () => {
    const cache: StatsCache = new Map();
    // As root the reader may write the directory: its first open creates -wal and -shm (with an
    // application holding the database open they exist already), so the second probe asks again.
    await probeSqlite(db, counted, cache);
    await probeSqlite(db, counted, cache);
    const base = calls;
    for (let i = 0; i < 3; i++) assert.equal(up(await probeSqlite(db, counted, cache)), 1);
    assert.equal(calls, base, "unchanged: not asked again");
    await sql(db.path, "INSERT INTO t VALUES (2);");
    await probeSqlite(db, counted, cache);
    assert.equal(calls, base + 1, "a write changes the -wal or the file");
    await probeSqlite(db, counted, cache);
    const settled = calls;
    chmodSync(db.path, 0o640);
    await probeSqlite(db, counted, cache);
    assert.equal(calls, settled + 1, "a chmod changes ctime");
    rmSync(db.path);
    assert.equal(up(await probeSqlite(db, counted, cache)), 0, "a deleted file is seen by stat");
    assert.equal(calls, settled + 1);
    await sql(db.path, "CREATE TABLE u(x);");
    await probeSqlite(db, counted, cache);
    assert.equal(calls, settled + 2, "a new file is a new inode");
  });

  it("never re-uses a failure, and without a cache always asks", async () => {
    const failing: SqliteBackend = { ...real, stats: async () => (calls++, { ok: false, error: "database is locked" }) };
    const cache: StatsCache = new Map();
    assert.equal(up(await probeSqlite(db, failing, cache)), 0);
    assert.equal(up(await probeSqlite(db, failing, cache)), 0);
    assert.equal(calls, 2);
    assert.equal(up(await probeSqlite(db, counted)), 1);
    assert.equal(up(await probeSqlite(db, counted)), 1);
    assert.equal(calls, 4);
  });
});
