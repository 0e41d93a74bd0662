// How the agent reads SQLite without a native module: Node's own `node:sqlite` when the runtime
// has it (Node >= 22.13, where it is unflagged and has readOnly), otherwise Debian's sqlite3 CLI
// (Debian 12 ships Node 18). Both open the file read-only with a busy timeout, never create it,
// never use `immutable`, and run each query as its own autocommit statement, so no read
// transaction outlives the statement that needs it.

/** What one short read of a database tells. */
export interface DbStats {
  pageCount: number;
  freelistCount: number;
  pageSize: number;
}

export type StatsResult = { ok: true; stats: DbStats } | { ok: false; error: string };

/**
 * `ran`: quick_check completed and `intact` is its verdict (a file SQLite calls malformed or
 * not a database is not intact). `ran: false`: it could not run to the end (locked, unreadable,
 * over its time budget); nothing is known about the file.
 */
export type IntegrityResult = { ran: true; intact: boolean; detail: string } | { ran: false; error: string; overBudget?: boolean };

export interface SqliteBackend {
  readonly name: "node:sqlite" | "sqlite3-cli";
  /** page_count, freelist_count, page_size in one statement (one short read transaction). */
  stats(path: string): Promise<StatsResult>;
  /** PRAGMA quick_check(1) in another process, killed when `budgetMs` runs out. */
  quickCheck(path: string, budgetMs: number): Promise<IntegrityResult>;
}

/** The one statement of a collection: table-valued pragmas read in a single autocommit SELECT. */
export const STATS_SQL =
  "SELECT page_count, freelist_count, page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size();";

/** quick_check(1) stops at the first problem: O(N) on a healthy file, quick on a broken one. */
export const QUICK_CHECK_SQL = "PRAGMA quick_check(1);";

/** SQLite's words for a file whose content is damaged (as opposed to one it could not read). */
export const isCorruption = (message: string): boolean => /malformed|not a database|corrupt/i.test(message);

/** Interprets quick_check's rows: a single "ok" row, or the first problem. */
export const integrityVerdict = (rows: readonly string[]): IntegrityResult => {
  const first = rows.find((r) => r.trim() !== "")?.trim() ?? "";
  return first === "ok" ? { ran: true, intact: true, detail: "ok" } : { ran: true, intact: false, detail: first || "no result" };
};

/** The first line of an error, without the CLI's "Error: " / "Parse error: " prefixes. */
export const errorLine = (text: string): string =>
  text
    .trim()
    .split("\n")[0]!
    .replace(/^(Runtime |Parse )?error( near line \d+)?:\s*/i, "")
    .slice(0, 200);

/** `500 ms`, `5 s`. */
export const formatBudget = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
