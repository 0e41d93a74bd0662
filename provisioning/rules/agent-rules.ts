// Alerts from the vigil agent's metrics (SPEC.md "Agent metrics"). The agent writes them into
// node_exporter's textfile collector, so they arrive in the hub's "node" scrape of each host,
// already labelled host=<spec name>: AgentDown, SqliteUnreadable, SqliteIntegrityFailed,
// SqliteTooLarge, SqliteWalTooLarge, Pm2DaemonDown, Pm2AppDown, Pm2AppRestarting.
import { databaseLabel } from "../../schema/database-label.ts";
import type { Host, Spec } from "../../schema/spec-schema.ts";
import { monitoredNodes } from "./host-rules.ts";
import { agentStaleSeconds, confirmFor } from "../detection-timing.ts";
import { alertLabels, alternation, matchers, NODE_JOB, str, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { PM2_RESTARTS } from "./tunables.ts";

const JOB = matchers({ job: NODE_JOB });
const MIB = 1024 * 1024;


const agentHosts = (spec: Spec): (Host & { agent: NonNullable<Host["agent"]> })[] =>
  monitoredNodes(spec).filter((h): h is Host & { agent: NonNullable<Host["agent"]> } => h.agent !== undefined);

const anyOf = (clauses: string[]) => clauses.join("\nor\n");

export function agentRuleGroups(spec: Spec): RuleGroup[] {
  const hosts = agentHosts(spec);
  if (hosts.length === 0) return [];
  const cf = confirmFor(spec);
  const stale = agentStaleSeconds(spec);
  const hostSel = (h: Host) => `${JOB},host=${str(h.name)}`;
  const rules: AlertingRule[] = [
    {
      alert: "AgentDown",
      expr: anyOf([
        `time() - max by (host) (vigil_agent_last_run_timestamp_seconds{${JOB},host=~${str(alternation(hosts.map((h) => h.name)))}}) > ${stale}`,
        ...hosts.map((h) => `max by (host) (absent(vigil_agent_last_run_timestamp_seconds{${hostSel(h)}}))`),
      ]),
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "vigil agent on {{ $labels.host }} stopped reporting",
        description:
          `The agent's last completed collection is older than ${stale}s (one agent interval plus alerts.confirm scrapes) or missing, for ${cf}. ` +
          "Its SQLite and PM2 alerts cannot fire while it is down. Inhibited by HostDown.",
      },
    },
    {
      alert: "SqliteUnreadable",
      expr: `max by (host, database) (vigil_sqlite_up{${JOB}}) == 0`,
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "SQLite database {{ $labels.database }} on {{ $labels.host }} cannot be read",
        description: `The agent could not open or query the database for ${cf} (missing file, permissions, corruption or a lock held too long).`,
      },
    },
    {
      alert: "SqliteIntegrityFailed",
      expr: `max by (host, database) (vigil_sqlite_integrity_ok{${JOB}}) == 0`,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "SQLite database {{ $labels.database }} on {{ $labels.host }} failed PRAGMA quick_check",
        description: "The last quick_check found corruption. A failed check is definitive, so this fires without delay; restore from a backup.",
      },
    },
  ];
  const sizeClauses = hosts.flatMap((h) =>
    h.agent.sqlite.map((db) => `max by (host, database) (vigil_sqlite_size_bytes{${hostSel(h)},database=${str(databaseLabel(db))}}) > ${db.maxSizeMB * MIB}`),
  );
  if (sizeClauses.length > 0) {
    rules.push({
      alert: "SqliteTooLarge",
      expr: anyOf(sizeClauses),
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "SQLite database {{ $labels.database }} on {{ $labels.host }} is {{ $value | humanize1024 }}B",
        description: "The database file is larger than its maxSizeMB (1 MB = 1024 x 1024 bytes).",
      },
    });
  }
  const walClauses = hosts.flatMap((h) =>
    h.agent.sqlite.flatMap((db) =>
      db.maxWalMB === undefined
        ? []
        : [`max by (host, database) (vigil_sqlite_wal_size_bytes{${hostSel(h)},database=${str(databaseLabel(db))}}) > ${db.maxWalMB * MIB}`],
    ),
  );
  if (walClauses.length > 0) {
    rules.push({
      alert: "SqliteWalTooLarge",
      expr: anyOf(walClauses),
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "WAL of SQLite database {{ $labels.database }} on {{ $labels.host }} is {{ $value | humanize1024 }}B",
        description: "The write-ahead log is larger than maxWalMB: checkpoints are not keeping up, usually because a reader holds a transaction open.",
      },
    });
  }
  const daemons = hosts.flatMap((h) => h.agent.pm2.map((d) => ({ host: h, daemon: d })));
  if (daemons.length > 0) {
    const daemonDown = `max by (host, pm2_user) (vigil_pm2_up{${JOB}}) == 0`;
    const appClauses = daemons
      .filter(({ daemon }) => daemon.apps.length > 0)
      .map(
        ({ host, daemon }) =>
          `max by (host, pm2_user, app) (vigil_pm2_app_online{${hostSel(host)},pm2_user=${str(daemon.user)},app=~${str(alternation(daemon.apps))}}) == 0`,
      );
    rules.push({
      alert: "Pm2DaemonDown",
      expr: daemonDown,
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "PM2 daemon of {{ $labels.pm2_user }} on {{ $labels.host }} does not answer",
        description: `The agent could not reach the PM2 daemon of {{ $labels.pm2_user }} for ${cf}; its apps are not supervised.`,
      },
    });
    if (appClauses.length > 0) {
      rules.push({
        alert: "Pm2AppDown",
        expr: `(\n${anyOf(appClauses)}\n)\nunless on (host, pm2_user) (${daemonDown})`,
        for: cf,
        labels: alertLabels(spec, "critical"),
        annotations: {
          summary: "PM2 app {{ $labels.app }} of {{ $labels.pm2_user }} on {{ $labels.host }} is not online",
          description:
            `An expected app (spec: pm2 apps) is missing, stopped or errored for ${cf}. Not raised while the whole daemon is down: Pm2DaemonDown covers that.`,
        },
      });
    }
    rules.push({
      alert: "Pm2AppRestarting",
      expr: `max by (host, pm2_user, app) (increase(vigil_pm2_app_restarts_total{${JOB}}[${PM2_RESTARTS.window}])) >= ${PM2_RESTARTS.count}`,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "PM2 app {{ $labels.app }} of {{ $labels.pm2_user }} on {{ $labels.host }} keeps restarting",
        description: `${PM2_RESTARTS.count} or more restarts within ${PM2_RESTARTS.window} (a deploy restarts an app once): the app is crashing and PM2 restarts it.`,
      },
    });
  }
  return [{ name: "vigil-agent", rules }];
}
