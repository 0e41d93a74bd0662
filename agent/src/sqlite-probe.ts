// SQLite checks for one configured database. Sizes come from stat (no lock); page statistics from
// one read-only statement through the backend. A missing, unreadable, locked or corrupt file is
// `vigil_sqlite_up 0` plus whatever could still be measured.
import { statSync } from "node:fs";
import { databaseLabel } from "../../schema/cross-checks.ts";
import type { SqliteDatabase } from "../../schema/spec-schema.ts";
import { sample, type Sample } from "./metrics.ts";
import type { SqliteBackend } from "./sqlite-backend.ts";

export interface SqliteProbeResult {
  samples: Sample[];
  /** Why the database is not up; undefined when it answered. */
  error?: string;
}

const errno = (err: unknown) => (err as NodeJS.ErrnoException).code ?? String(err);

export async function probeSqlite(db: SqliteDatabase, backend: SqliteBackend): Promise<SqliteProbeResult> {
  const labels = { database: databaseLabel(db) };
  const samples: Sample[] = [];
  try {
    samples.push(sample("vigil_sqlite_size_bytes", labels, statSync(db.path).size));
  } catch (err) {
    const code = errno(err);
    return { samples: [sample("vigil_sqlite_up", labels, 0)], error: code === "ENOENT" ? "no such file" : `cannot stat: ${code}` };
  }
  try {
    samples.push(sample("vigil_sqlite_wal_size_bytes", labels, statSync(`${db.path}-wal`).size));
  } catch (err) {
    if (errno(err) === "ENOENT") samples.push(sample("vigil_sqlite_wal_size_bytes", labels, 0));
  }
  const result = await backend.stats(db.path);
  if (!result.ok) return { samples: [sample("vigil_sqlite_up", labels, 0), ...samples], error: result.error };
  const { freelistCount, pageSize } = result.stats;
  samples.push(sample("vigil_sqlite_freelist_bytes", labels, freelistCount * pageSize));
  return { samples: [sample("vigil_sqlite_up", labels, 1), ...samples] };
}
