// SqliteBackend over Node's own node:sqlite (Node >= 22.13). Statistics are read in-process;
// quick_check runs in a child process of this same bundle (`--quick-check FILE`), because a
// synchronous SQLite call cannot be interrupted from JavaScript and must be killable on budget.
import { execFile } from "node:child_process";
import { QUICK_CHECK_SQL, STATS_SQL, errorLine, formatBudget, integrityVerdict, isCorruption, type IntegrityResult, type SqliteBackend, type StatsResult } from "./sqlite-backend.ts";

interface StatementSync {
  get(): Record<string, unknown> | undefined;
  all(): Record<string, unknown>[];
}
interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
}
type DatabaseSyncClass = new (path: string, options: { readOnly: boolean }) => DatabaseSync;

/** The runtime's node:sqlite, or undefined when it has none (Node < 22.13: flagged or absent). */
export async function loadNodeSqlite(): Promise<DatabaseSyncClass | undefined> {
  const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
  if (major < 22 || (major === 22 && minor < 13)) return undefined;
  // node:sqlite prints an ExperimentalWarning on first use; the agent's stderr is the journal.
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes("SQLite")) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const moduleName = "node:sqlite"; // a variable keeps esbuild from resolving it for node18
    const mod = (await import(moduleName)) as { DatabaseSync: DatabaseSyncClass };
    return mod.DatabaseSync;
  } catch {
    return undefined;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Opens read-only (never creates), sets the busy timeout, runs `fn`, always closes. */
function withDatabase<T>(DatabaseSync: DatabaseSyncClass, path: string, busyTimeoutMs: number, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)};`);
    return fn(db);
  } finally {
    db.close();
  }
}

export function readStats(DatabaseSync: DatabaseSyncClass, path: string, busyTimeoutMs: number): StatsResult {
  try {
    const row = withDatabase(DatabaseSync, path, busyTimeoutMs, (db) => db.prepare(STATS_SQL).get());
    return { ok: true, stats: { pageCount: Number(row?.page_count), freelistCount: Number(row?.freelist_count), pageSize: Number(row?.page_size) } };
  } catch (err) {
    return { ok: false, error: errorLine((err as Error).message) };
  }
}

/** quick_check in this process: what the `--quick-check FILE` child runs. */
export function quickCheckInProcess(DatabaseSync: DatabaseSyncClass, path: string, busyTimeoutMs: number): IntegrityResult {
  try {
    const rows = withDatabase(DatabaseSync, path, busyTimeoutMs, (db) => db.prepare(QUICK_CHECK_SQL).all());
    return integrityVerdict(rows.map((r) => String(Object.values(r)[0])));
  } catch (err) {
    const message = errorLine((err as Error).message);
    return isCorruption(message) ? { ran: true, intact: false, detail: message } : { ran: false, error: message };
  }
}

export function nodeBackend(DatabaseSync: DatabaseSyncClass, options: { busyTimeoutMs: number; bundle: string }): SqliteBackend {
  return {
    name: "node:sqlite",
    async stats(path) {
      return readStats(DatabaseSync, path, options.busyTimeoutMs);
    },
    quickCheck(path, budgetMs) {
      const args = [...process.execArgv, options.bundle, "--quick-check", path, "--busy-timeout", `${options.busyTimeoutMs}ms`];
      return new Promise<IntegrityResult>((resolve) => {
        execFile(process.execPath, args, { timeout: budgetMs, killSignal: "SIGKILL", maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
          if (error?.killed) return resolve({ ran: false, error: `quick_check exceeded its ${formatBudget(budgetMs)} budget`, overBudget: true });
          try {
            resolve(JSON.parse(String(stdout)) as IntegrityResult);
          } catch {
            resolve({ ran: false, error: errorLine(String(stderr)) || "quick_check child gave no result" });
          }
        });
      });
    },
  };
}
