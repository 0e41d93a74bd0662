// quick_check on each database's `integrityEvery` schedule, off the collection path: results are
// remembered in a small state file (collections in timer mode are separate processes), and
// collections only read that file. quick_check runs in its own process with a time budget.
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { databaseLabel } from "../../schema/database-label.ts";
import { durationSeconds } from "../../schema/durations.ts";
import type { SqliteDatabase } from "../../schema/spec-schema.ts";
import { sample, type Sample } from "./metrics.ts";
import type { SqliteBackend } from "./sqlite-backend.ts";
import { writeFileAtomic } from "./textfile.ts";

/** What is known about one database file's integrity. */
export interface IntegrityRecord {
  /** Result of the last quick_check that ran to the end. */
  ok?: boolean;
  /** When that check finished (unix seconds). */
  checkedAt?: number;
  /** When a check was last started, finished or not. */
  attemptedAt: number;
  /** When the next check is due (unix seconds); absent in old state files: attemptedAt + every. */
  nextAt?: number;
  /** The first problem quick_check reported, or why the last attempt did not finish. */
  detail?: string;
}

/** Records by database path. */
export type IntegrityState = Record<string, IntegrityRecord>;

export const stateFile = (stateDir: string): string => join(stateDir, "integrity.json");

export function readState(file: string): IntegrityState {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as IntegrityState) : {};
  } catch {
    return {};
  }
}

export const writeState = (file: string, state: IntegrityState): void => writeFileAtomic(file, `${JSON.stringify(state, null, 1)}\n`);

export const isDue = (db: SqliteDatabase, record: IntegrityRecord | undefined, nowSeconds: number): boolean =>
  record === undefined || nowSeconds >= (record.nextAt ?? record.attemptedAt + durationSeconds(db.integrityEvery));

/**
 * How soon a check that could not even open the database is tried again. A WAL database whose
 * application is stopped has no -wal/-shm, and a reader without write access to its directory
 * cannot open it until the application runs again: that must not cost a whole integrityEvery.
 */
export const RETRY_SECONDS = 300;

/** The integrity samples of one database from its record (none before the first finished check). */
export function integritySamples(db: SqliteDatabase, record: IntegrityRecord | undefined): Sample[] {
  if (record?.ok === undefined || record.checkedAt === undefined) return [];
  const labels = { database: databaseLabel(db) };
  return [sample("vigil_sqlite_integrity_ok", labels, record.ok ? 1 : 0), sample("vigil_sqlite_integrity_check_timestamp_seconds", labels, record.checkedAt)];
}

/**
 * Whether the file is in WAL mode, from its header (bytes 18-19 are 2): read without SQLite and
 * without a lock. Undefined when unreadable or not a database.
 */
export function isWalMode(path: string): boolean | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const header = Buffer.alloc(20);
    if (readSync(fd, header, 0, 20, 0) < 20 || header.subarray(0, 16).toString("latin1") !== "SQLite format 3\0") return undefined;
    return header[18] === 2 && header[19] === 2;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export interface IntegrityRunOptions {
  backend: SqliteBackend;
  file: string;
  budgetMs: number;
  /**
   * The budget for a database in rollback-journal mode. There quick_check holds a SHARED lock for
   * its whole run and the application's writers cannot commit meanwhile, so it must stay short
   * (under a typical busy timeout); in WAL mode readers never block writers.
   */
  rollbackBudgetMs: number;
  /** Check every database now, whatever the schedule says. */
  force?: boolean;
  log: (line: string) => void;
}

/** The outcome of one integrity pass. */
export interface IntegrityRun {
  state: IntegrityState;
  /**
   * False when a verdict could not be saved (state directory missing, read-only, full): the
   * collections read verdicts only from that file, so an unsaved check is as good as none and an
   * `--integrity` run must fail.
   */
  saved: boolean;
}

/**
 * Runs quick_check on every due database, one after the other (one file read at a time), and
 * saves the state after each. A missing file is not attempted; an unfinished check keeps the last
 * verdict and waits for the next slot.
 */
export async function runDueChecks(databases: readonly SqliteDatabase[], options: IntegrityRunOptions): Promise<IntegrityRun> {
  const state = readState(options.file);
  let saved = true;
  for (const db of databases) {
    const now = Date.now() / 1000;
    if (!options.force && !isDue(db, state[db.path], now)) continue;
    try {
      statSync(db.path);
    } catch {
      continue;
    }
    const budget = isWalMode(db.path) === false ? Math.min(options.budgetMs, options.rollbackBudgetMs) : options.budgetMs;
    const result = await options.backend.quickCheck(db.path, budget);
    const finished = Math.round(Date.now() / 1000);
    const prior = state[db.path];
    const every = durationSeconds(db.integrityEvery);
    if (result.ran) {
      state[db.path] = { ok: result.intact, checkedAt: finished, attemptedAt: Math.round(now), nextAt: Math.round(now) + every, detail: result.detail };
      if (!result.intact) options.log(`sqlite ${databaseLabel(db)} (${db.path}): quick_check failed: ${result.detail}`);
    } else {
      // Over budget: the file is large or busy, try again at the next slot. Could not open: soon.
      const retry = result.overBudget ? every : Math.min(every, RETRY_SECONDS);
      state[db.path] = { ...prior, attemptedAt: Math.round(now), nextAt: Math.round(now) + retry, detail: result.error };
      options.log(`sqlite ${databaseLabel(db)} (${db.path}): quick_check did not finish: ${result.error}`);
    }
    try {
      writeState(options.file, state);
    } catch (err) {
      saved = false;
      options.log(`cannot save integrity state ${options.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return { state, saved };
}
