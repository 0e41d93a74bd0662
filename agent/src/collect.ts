// One collection: every probe runs on its own and is caught on its own, so one failing database
// or daemon never removes the others from the output.
import { databaseLabel } from "../../schema/database-label.ts";
import type { AgentConfig } from "../../schema/spec-schema.ts";
import { readState, integritySamples } from "./integrity.ts";
import { sample, type Sample } from "./metrics.ts";
import { probePm2 } from "./pm2-probe.ts";
import type { SqliteBackend } from "./sqlite-backend.ts";
import { probeSqlite, type StatsCache } from "./sqlite-probe.ts";

export interface CollectOptions {
  backend: SqliteBackend;
  /** The integrity state file (read only here). */
  stateFile: string;
  pm2TimeoutMs: number;
  log: (line: string) => void;
  /** Resident mode: answers of unchanged databases are re-used (sqlite-probe.ts). */
  statsCache?: StatsCache;
  /** Resident mode: told when a PM2 app just started will count as online (pm2-probe.ts), to collect again then. */
  settlesAt?: (atMs: number) => void;
}

export async function collect(config: AgentConfig, options: CollectOptions): Promise<Sample[]> {
  const integrity = readState(options.stateFile);
  const sqlite = config.sqlite.map(async (db): Promise<Sample[]> => {
    const label = databaseLabel(db);
    try {
      const result = await probeSqlite(db, options.backend, options.statsCache);
      if (result.error) options.log(`sqlite ${label} (${db.path}): ${result.error}`);
      return [...result.samples, ...integritySamples(db, integrity[db.path])];
    } catch (err) {
      options.log(`sqlite ${label} (${db.path}): probe failed: ${String(err)}`);
      return [sample("vigil_sqlite_up", { database: label }, 0)];
    }
  });
  const pm2 = config.pm2.map(async (daemon): Promise<Sample[]> => {
    try {
      const result = await probePm2(daemon, options.pm2TimeoutMs);
      if (result.error) options.log(`pm2 ${daemon.user}: ${result.error}`);
      if (result.settlesAtMs !== undefined) options.settlesAt?.(result.settlesAtMs);
      return result.samples;
    } catch (err) {
      options.log(`pm2 ${daemon.user}: probe failed: ${String(err)}`);
      return [sample("vigil_pm2_up", { pm2_user: daemon.user }, 0)];
    }
  });
  const samples = (await Promise.all([...sqlite, ...pm2])).flat();
  samples.push(sample("vigil_agent_last_run_timestamp_seconds", {}, Date.now() / 1000));
  return samples;
}
