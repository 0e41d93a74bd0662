// The Prometheus text exposition format (version 0.0.4), written by hand: the agent publishes
// through node_exporter's textfile collector and prints with --once, so it needs a formatter,
// not a registry. prom-client would add ~40 ms of module loading to every timer run.

export type Labels = Readonly<Record<string, string>>;

/** One sample of a gauge or counter. */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** HELP and TYPE of every metric the agent writes (names are SPEC.md's contract). */
export const METRICS = {
  vigil_agent_last_run_timestamp_seconds: ["gauge", "End of the last completed collection (unix seconds)."],
  vigil_sqlite_up: ["gauge", "1 if the database file opened read-only and answered."],
  vigil_sqlite_size_bytes: ["gauge", "Size of the database file."],
  vigil_sqlite_wal_size_bytes: ["gauge", "Size of the -wal file (0 when there is none)."],
  vigil_sqlite_freelist_bytes: ["gauge", "Free pages times page size."],
  vigil_sqlite_integrity_ok: ["gauge", "Result of the last completed PRAGMA quick_check (1 ok, 0 failed)."],
  vigil_sqlite_integrity_check_timestamp_seconds: ["gauge", "When the last quick_check completed (unix seconds)."],
  vigil_pm2_up: ["gauge", "1 if that user's PM2 daemon answered."],
  vigil_pm2_app_online: ["gauge", "1 if every instance of the app has been online for its min_uptime (PM2's stable start, default 1s); 0 otherwise and for a missing expected app."],
  vigil_pm2_app_restarts_total: ["counter", "PM2 restart count (sum over instances)."],
  vigil_pm2_app_memory_bytes: ["gauge", "Resident memory reported by PM2 (sum over instances)."],
  vigil_pm2_app_cpu_percent: ["gauge", "CPU percent reported by PM2 (sum over instances)."],
  vigil_pm2_app_uptime_seconds: ["gauge", "Seconds since the app (its youngest instance) started; 0 when not online."],
} as const;

export type MetricName = keyof typeof METRICS;

export const sample = (name: MetricName, labels: Labels, value: number): Sample => ({ name, labels, value });

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const formatValue = (v: number) => (Number.isNaN(v) ? "NaN" : v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v));

/** The exposition text: samples grouped by metric in METRICS order, each group with HELP/TYPE. */
export function formatSamples(samples: readonly Sample[]): string {
  const byName = new Map<string, Sample[]>();
  for (const s of samples) {
    const group = byName.get(s.name);
    if (group) group.push(s);
    else byName.set(s.name, [s]);
  }
  let out = "";
  for (const name of Object.keys(METRICS) as MetricName[]) {
    const group = byName.get(name);
    if (!group) continue;
    const [type, help] = METRICS[name];
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const s of group) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      out += `${name}${labels ? `{${labels}}` : ""} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}
