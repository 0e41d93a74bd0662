// How fast vigil can know of a fault, from the spec's own intervals (issue 18): the confirm
// window of state alerts, the agent's collection interval, Alertmanager's group wait, and the
// detection floor they add up to. The rule families, Alertmanager's config, the agent's unit, the
// docs' table and the e2e suite's bounds all read these, so each number has one home.
//
// Imports only the schema: provisioning/rules/*, alertmanager.ts and agent.ts import this module.
import { durationSeconds, formatDuration } from "../schema/durations.ts";
import type { Severity, Spec } from "../schema/spec-schema.ts";

/**
 * The `for` of every state alert (HostDown, HostSystemdUnitFailed, AgentDown, SqliteUnreadable,
 * Pm2AppDown, Pm2DaemonDown, UptimeProbeFailed, ...): `alerts.confirm` consecutive bad
 * evaluations. Prometheus fires at the first evaluation at which the condition has held for
 * `for`, so one failed scrape or one slow read never pages, and a real fault pages within
 * about confirm + 1 evaluations of being scraped. A threshold's own `for` (thresholds.*.for)
 * is used instead where the spec gives one.
 */
export const confirmSeconds = (spec: Spec): number => spec.alerts.confirm * durationSeconds(spec.intervals.evaluation);
export const confirmFor = (spec: Spec): string => formatDuration(confirmSeconds(spec));

/** How often the vigil agent collects: intervals.agent, else intervals.scrape (validate keeps it ≤ scrape). */
export const agentIntervalSeconds = (spec: Spec): number => durationSeconds(spec.intervals.agent ?? spec.intervals.scrape);

/**
 * AgentDown: how old the agent's last completed collection may be before it counts as stopped.
 * A healthy agent's timestamp is at most one agent interval plus one scrape old when evaluated,
 * plus a collection's own time (the PM2 RPC timeout is 3 s); `confirm` scrapes on top of one
 * agent interval leaves room for a slow collection or a missed scrape.
 */
export const agentStaleSeconds = (spec: Spec): number =>
  agentIntervalSeconds(spec) + spec.alerts.confirm * durationSeconds(spec.intervals.scrape);

/** Group wait when grouping.wait is not given: a critical alert waits one evaluation (it was confirmed already); others 30 s. */
export const DEFAULT_GROUP_WAIT = "30s";

/** Alertmanager's group_wait for alerts of this severity. */
export const groupWait = (spec: Spec, severity: Severity): string =>
  spec.alerts.grouping.wait ?? (severity === "critical" ? spec.intervals.evaluation : DEFAULT_GROUP_WAIT);

/** Where a fault is seen: node_exporter or blackbox (scraped), or the agent (collected, then scraped). */
export type FaultSource = "scrape" | "agent";

/**
 * The detection floor of a critical state alert: the longest a fault can take to reach the
 * receiver when every stage takes its full period: `for` (the confirm window, or a threshold's
 * own `for`) + one scrape + one evaluation + group wait, plus one agent interval for agent-fed
 * alerts. Faults the agent publishes at once (file gone, PM2 app down) usually beat it by that
 * interval.
 */
export function detectionFloorSeconds(spec: Spec, source: FaultSource, forSeconds = confirmSeconds(spec)): number {
  return (
    forSeconds +
    durationSeconds(spec.intervals.scrape) +
    durationSeconds(spec.intervals.evaluation) +
    durationSeconds(groupWait(spec, "critical")) +
    (source === "agent" ? agentIntervalSeconds(spec) : 0)
  );
}
