// SQLite checks for one configured database. Sizes come from stat (no lock); page statistics from
// one read-only statement through the backend. A missing, unreadable, locked or corrupt file is
// `vigil_sqlite_up 0` plus whatever could still be measured.
import { statSync, type Stats } from "node:fs";
import { databaseLabel } from "../../schema/database-label.ts";
import type { SqliteDatabase } from "../../schema/spec-schema.ts";
import { sample, type Sample } from "./metrics.ts";
import type { SqliteBackend, StatsResult } from "./sqlite-backend.ts";

/**
 * A resident agent re-uses a database's last answer while neither the file nor its -wal changed
 * (same inode, size, mtime and, for the database, ctime: a write, a replacement, a chmod or
 * chown all change one)
 * and the answer is younger than STATS_MAX_AGE_MS. Why: at a 5 s interval one sqlite3 process
 * per database per collection is most of the agent's CPU (BENCHMARKS.md, "vigil agent"), while
 * an unchanged file gives the same answer. A deleted file is seen by stat before any of this.
 */
export const STATS_MAX_AGE_MS = 60_000;
export type StatsCache = Map<string, { key: string; at: number; result: StatsResult }>;
const fileKey = (st: Stats | undefined) => (st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}` : "-");
/** The -wal without ctime: a reader that may write the directory truncates it on close (ctime moves, nothing else). */
const walKey = (st: Stats | undefined) => (st ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` : "-");

export interface SqliteProbeResult {
  samples: Sample[];
  /** Why the database is not up; undefined when it answered. */
  error?: string;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

export async function probeSqlite(db: SqliteDatabase, backend: SqliteBackend, cache?: StatsCache): Promise<SqliteProbeResult> {
  const labels = { database: databaseLabel(db) };
  const samples: Sample[] = [];
  let st: Stats;
  let walSt: Stats | undefined;
  try {
    st = statSync(db.path);
    samples.push(sample("vigil_sqlite_size_bytes", labels, st.size));
  } catch (err) {
    const code = errno(err);
    return { samples: [sample("vigil_sqlite_up", labels, 0)], error: code === "ENOENT" ? "no such file" : `cannot stat: ${code}` };
  }
  try {
    walSt = statSync(`${db.path}-wal`);
    samples.push(sample("vigil_sqlite_wal_size_bytes", labels, walSt.size));
  } catch (err) {
    if (errno(err) === "ENOENT") samples.push(sample("vigil_sqlite_wal_size_bytes", labels, 0));
  }
  const key = `${fileKey(st)}|${walKey(walSt)}`;
  const cached = cache?.get(db.path);
  const fresh = cached !== undefined && cached.key === key && Date.now() - cached.at < STATS_MAX_AGE_MS;
  const result = fresh ? cached.result : await backend.stats(db.path);
  if (cache && !fresh) {
    if (result.ok) cache.set(db.path, { key, at: Date.now(), result });
    else cache.delete(db.path); // a failure is asked again at the next collection
  }
  if (!result.ok) return { samples: [sample("vigil_sqlite_up", labels, 0), ...samples], error: result.error };
  const { freelistCount, pageSize } = result.stats;
  samples.push(sample("vigil_sqlite_freelist_bytes", labels, freelistCount * pageSize));
  return { samples: [sample("vigil_sqlite_up", labels, 1), ...samples] };
}
