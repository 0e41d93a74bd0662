// What `vigil status` reports: the hub's firing alerts (from Alertmanager, which knows whether
// each is silenced or inhibited; the spec says whether a maintenance window mutes it), the scrape
// targets that are down, each SLO's error budget left and its burn rate, each uptime check's
// availability over 24 h and 30 d, and the maintenance windows. `collectStatus` asks the hub
// (all queries at once); `buildStatus` and `formatStatus` are pure.
import type { Severity, Spec } from "../schema/spec-schema.ts";
import { activeWindows, windowConcerns } from "../provisioning/hub/maintenance-windows.ts";
import { WATCHDOG_ALERT } from "../provisioning/rules/watchdog-rules.ts";
import { BUDGET_REMAINING, budgetFraction, ratioName } from "../provisioning/rules/slo-rules.ts";
import { matchers, UPTIME_JOB } from "../provisioning/rules/rule-file.ts";
import type { Hub } from "./hub-connection.ts";
import { amAlerts, promQuery, promTargets, type AmAlert, type PromSample, type PromTarget } from "./hub-api.ts";

/** The window the current burn rate is measured over (the fast-burn page's long window). */
export const BURN_RATE_WINDOW = "1h";

export interface StatusAlert {
  alertname: string;
  severity: string;
  host?: string;
  /** The other labels that tell it apart (check, database, app, mountpoint...). */
  labels: Record<string, string>;
  summary?: string;
  startsAt: string;
  firingSeconds: number;
  silenced: boolean;
  silencedBy: string[];
  inhibited: boolean;
  /** Active maintenance windows that mute its notifications. */
  maintenance: string[];
}

export interface StatusTarget {
  job: string;
  instance: string;
  host?: string;
  lastError: string;
}

export interface StatusSlo {
  name: string;
  objective: number;
  window: string;
  /** Share of the budget left (1 untouched, below 0 overspent); null before the first evaluation. */
  budgetRemaining: number | null;
  /** Error ratio over BURN_RATE_WINDOW divided by the budget: 1 spends it exactly by the window's end. */
  burnRate: number | null;
}

export interface StatusUptime {
  check: string;
  availability24h: number | null;
  availability30d: number | null;
}

export interface StatusMaintenance {
  name: string;
  active: boolean;
  concerns: string;
}

export interface FleetStatus {
  environment: string;
  hub: string;
  generatedAt: string;
  alerts: StatusAlert[];
  downTargets: StatusTarget[];
  slos: StatusSlo[];
  uptime: StatusUptime[];
  maintenance: StatusMaintenance[];
}

/** What the hub answered, as the APIs return it. */
export interface StatusInputs {
  hub: string;
  alerts: AmAlert[];
  targets: PromTarget[];
  budgetRemaining: PromSample[];
  errorRatio: PromSample[];
  availability24h: PromSample[];
  availability30d: PromSample[];
}

const uptimeSel = matchers({ job: UPTIME_JOB });
/** Availability per check: the share of good probes (all probers of a check averaged). */
export const availabilityQuery = (window: string): string => `avg by (check) (avg_over_time(probe_success{${uptimeSel}}[${window}]))`;

export async function collectStatus(hub: Hub): Promise<StatusInputs> {
  const [alerts, targets, budgetRemaining, errorRatio, availability24h, availability30d] = await Promise.all([
    amAlerts(hub),
    promTargets(hub),
    promQuery(hub, BUDGET_REMAINING),
    promQuery(hub, ratioName(BURN_RATE_WINDOW)),
    promQuery(hub, availabilityQuery("24h")),
    promQuery(hub, availabilityQuery("30d")),
  ]);
  return { hub: hub.where, alerts, targets, budgetRemaining, errorRatio, availability24h, availability30d };
}

const SEVERITY_ORDER: readonly string[] = ["critical", "warning", "info"] satisfies Severity[];
const IDENTITY_SKIP = new Set(["alertname", "severity", "host", "environment"]);

function valueBy(samples: PromSample[], label: string, name: string): number | null {
  const s = samples.find((x) => x.metric[label] === name);
  if (!s) return null;
  const v = Number(s.value[1]);
  return Number.isFinite(v) ? v : null;
}

export function buildStatus(spec: Spec, input: StatusInputs, now: Date): FleetStatus {
  const active = activeWindows(spec, now);
  const alerts = input.alerts
    .filter((a) => a.labels.alertname !== WATCHDOG_ALERT && new Date(a.endsAt).getTime() > now.getTime() - 1000)
    .map((a): StatusAlert => {
      const started = new Date(a.startsAt).getTime();
      return {
        alertname: a.labels.alertname ?? "",
        severity: a.labels.severity ?? "",
        ...(a.labels.host ? { host: a.labels.host } : {}),
        labels: Object.fromEntries(Object.entries(a.labels).filter(([k]) => !IDENTITY_SKIP.has(k)).sort(([x], [y]) => x.localeCompare(y))),
        ...(a.annotations?.summary ? { summary: a.annotations.summary } : {}),
        startsAt: a.startsAt,
        firingSeconds: Math.max(0, Math.round((now.getTime() - started) / 1000)),
        silenced: (a.status.silencedBy ?? []).length > 0,
        silencedBy: a.status.silencedBy ?? [],
        inhibited: (a.status.inhibitedBy ?? []).length > 0,
        maintenance: active.filter((w) => windowConcerns(w, a.labels)).map((w) => w.name),
      };
    })
    .sort(
      (x, y) =>
        rank(x.severity) - rank(y.severity) || (x.host ?? "").localeCompare(y.host ?? "") || x.alertname.localeCompare(y.alertname) ||
        JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)),
    );
  const downTargets = input.targets
    .filter((t) => t.health === "down")
    .map((t) => ({ job: t.labels.job ?? t.scrapePool, instance: t.labels.instance ?? t.scrapeUrl, ...(t.labels.host ? { host: t.labels.host } : {}), lastError: t.lastError }))
    .sort((x, y) => x.job.localeCompare(y.job) || x.instance.localeCompare(y.instance));
  const slos = spec.slos.map((slo) => {
    const ratio = valueBy(input.errorRatio, "slo", slo.name);
    return {
      name: slo.name,
      objective: slo.objective,
      window: slo.window,
      budgetRemaining: valueBy(input.budgetRemaining, "slo", slo.name),
      burnRate: ratio === null ? null : ratio / budgetFraction(slo),
    };
  });
  const uptime = spec.uptime.map((u) => ({
    check: u.name,
    availability24h: valueBy(input.availability24h, "check", u.name),
    availability30d: valueBy(input.availability30d, "check", u.name),
  }));
  const maintenance = spec.maintenance.map((w) => ({
    name: w.name,
    active: active.includes(w),
    concerns: [
      ...(w.hosts ? [`hosts ${w.hosts.join(", ")}`] : []),
      ...(w.alerts ? [`alerts ${w.alerts.join(", ")}`] : []),
      ...(w.match ? [`labels ${Object.entries(w.match).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`] : []),
    ].join("; "),
  }));
  return { environment: spec.environment, hub: input.hub, generatedAt: now.toISOString(), alerts, downTargets, slos, uptime, maintenance };
}

const rank = (severity: string) => {
  const i = SEVERITY_ORDER.indexOf(severity);
  return i < 0 ? SEVERITY_ORDER.length : i;
};

/** 0 when no critical alert fires (silenced, inhibited or muted ones still fire), else 1. */
export const statusExitCode = (s: FleetStatus): 0 | 1 => (s.alerts.some((a) => a.severity === "critical") ? 1 : 0);

/** `45s`, `12m`, `3h05m`, `2d04h`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

const percent = (v: number | null, digits = 2) => (v === null ? "n/a" : `${(v * 100).toFixed(digits)}%`);

/** Rows as aligned columns. */
function table(rows: string[][], indent = "  "): string[] {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return rows.map((r) => `${indent}${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`.trimEnd());
}

/** The human report. */
export function formatStatus(s: FleetStatus): string {
  const out: string[] = [`vigil status: ${s.environment} (hub ${s.hub}) at ${s.generatedAt.replace(/\.\d+Z$/, "Z")}`, ""];
  if (s.alerts.length === 0) out.push("FIRING: none");
  else {
    out.push(`FIRING (${s.alerts.length})`);
    for (const severity of [...new Set(s.alerts.map((a) => a.severity))]) {
      out.push(`  ${severity || "(no severity)"}`);
      const rows = s.alerts
        .filter((a) => a.severity === severity)
        .map((a) => {
          const notes = [
            ...(a.silenced ? [`silenced (${a.silencedBy.join(", ")})`] : []),
            ...(a.inhibited ? ["inhibited"] : []),
            ...(a.maintenance.length > 0 ? [`maintenance ${a.maintenance.join(", ")}`] : []),
          ];
          const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(",");
          return [a.host ?? "-", labels ? `${a.alertname}{${labels}}` : a.alertname, formatAge(a.firingSeconds), notes.join("; ")];
        });
      out.push(...table(rows, "    "));
    }
  }
  out.push("");
  if (s.downTargets.length === 0) out.push("TARGETS DOWN: none");
  else {
    out.push(`TARGETS DOWN (${s.downTargets.length})`);
    out.push(...table(s.downTargets.map((t) => [t.job, t.host ?? "-", t.instance, t.lastError])));
  }
  if (s.slos.length > 0) {
    out.push("", "SLOs");
    out.push(
      ...table([
        ["name", "objective", "budget left", `burn rate (${BURN_RATE_WINDOW})`],
        ...s.slos.map((o) => [o.name, `${o.objective}% / ${o.window}`, percent(o.budgetRemaining, 1), o.burnRate === null ? "n/a" : `${o.burnRate.toFixed(2)}x`]),
      ]),
    );
  }
  if (s.uptime.length > 0) {
    out.push("", "UPTIME");
    out.push(...table([["check", "24h", "30d"], ...s.uptime.map((u) => [u.check, percent(u.availability24h, 3), percent(u.availability30d, 3)])]));
  }
  if (s.maintenance.length > 0) {
    out.push("", "MAINTENANCE");
    out.push(...table(s.maintenance.map((w) => [w.name, w.active ? "ACTIVE now" : "inactive", w.concerns])));
  }
  return `${out.join("\n")}\n`;
}
