// SqliteBackend over Debian's sqlite3 CLI: one short-lived process per statement.
import { execFile, type ExecFileException } from "node:child_process";
import { QUICK_CHECK_SQL, STATS_SQL, errorLine, formatBudget, integrityVerdict, isCorruption, type IntegrityResult, type SqliteBackend, type StatsResult } from "./sqlite-backend.ts";

export interface CliOptions {
  /** The sqlite3 binary. */
  binary: string;
  busyTimeoutMs: number;
}

interface Run {
  stdout: string;
  stderr: string;
  error: ExecFileException | null;
}

function run(binary: string, path: string, sql: string, busyTimeoutMs: number, killAfterMs: number): Promise<Run> {
  // -readonly: SQLITE_OPEN_READONLY (never creates, never writes the database); -init /dev/null:
  // no ~/.sqliterc; -bail: stop at the first error; .timeout: the busy handler.
  const args = ["-readonly", "-batch", "-bail", "-init", "/dev/null", "-noheader", "-list", "-cmd", `.timeout ${busyTimeoutMs}`, path, sql];
  return new Promise((resolve) => {
    execFile(binary, args, { timeout: killAfterMs, killSignal: "SIGKILL", maxBuffer: 1 << 20, env: { PATH: "/usr/bin:/bin", LC_ALL: "C" } }, (error, stdout, stderr) =>
      resolve({ stdout: String(stdout), stderr: String(stderr), error }),
    );
  });
}

export function cliBackend(options: CliOptions): SqliteBackend {
  return {
    name: "sqlite3-cli",
    async stats(path: string): Promise<StatsResult> {
      const r = await run(options.binary, path, STATS_SQL, options.busyTimeoutMs, options.busyTimeoutMs + 5000);
      if (r.error) {
        if (r.error.killed) return { ok: false, error: "sqlite3 did not answer in time" };
        if ((r.error as { code?: unknown }).code === "ENOENT") return { ok: false, error: `${options.binary} not found (apt-get install sqlite3)` };
        return { ok: false, error: errorLine(r.stderr) || `sqlite3 exited with ${String(r.error.code)}` };
      }
      const [pageCount, freelistCount, pageSize] = r.stdout.trim().split("|").map(Number);
      if (![pageCount, freelistCount, pageSize].every((n) => Number.isFinite(n))) return { ok: false, error: `unexpected sqlite3 output: ${r.stdout.slice(0, 100)}` };
      return { ok: true, stats: { pageCount: pageCount!, freelistCount: freelistCount!, pageSize: pageSize! } };
    },
    async quickCheck(path: string, budgetMs: number): Promise<IntegrityResult> {
      const r = await run(options.binary, path, QUICK_CHECK_SQL, options.busyTimeoutMs, budgetMs);
      if (r.error?.killed) return { ran: false, error: `quick_check exceeded its ${formatBudget(budgetMs)} budget`, overBudget: true };
      if (r.error) {
        const message = errorLine(r.stderr) || `sqlite3 exited with ${String(r.error.code)}`;
        return isCorruption(message) ? { ran: true, intact: false, detail: message } : { ran: false, error: message };
      }
      return integrityVerdict(r.stdout.split("\n"));
    },
  };
}
