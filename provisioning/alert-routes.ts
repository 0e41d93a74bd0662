// Alertmanager's routing tree from spec.alerts.routes, with maintenance windows, escalation and
// per-severity grouping (Alertmanager 0.25, Debian's prometheus-alertmanager).
//
// Maintenance windows become top-level `time_intervals` and `mute_time_intervals` on the routes
// they concern. A route can only be muted by the intervals listed on it, and an alert takes one
// path through the tree, so an alert two windows can both concern needs a route listing both:
// windows are nested (the subtree of window A holds a subtree for every later window B that can
// concern the same alert, muted by [A, B]), and every subtree ends with a copy of the spec's
// routes. Windows that can never concern the same alert (disjoint hosts or alert names) are not
// nested, which keeps the usual tree small. The mute list is written on every route of a subtree:
// correct whether or not a child inherits its parent's mute intervals.
//
// Escalation (`escalate: [{ after, to }]`): a child route per step, with `continue`, whose
// receivers are the secondary and whose `group_wait` is `after`. Its groups are per alert
// (`group_by: ['...']`): a group is created when its alert first reaches Alertmanager and is
// flushed `after` later; Alertmanager sends nothing for a group whose only alerts have resolved
// and were never notified. So the secondary hears of an alert exactly when it is STILL (or again)
// firing `after` after it started — not "unacknowledged": Alertmanager has no acknowledgement.
import type { MaintenanceWindow, Route, Severity, Spec } from "../schema/spec-schema.ts";
import { timeRangeMinutes, weekdayIndex } from "../schema/cross-checks.ts";
import { anyOf, matcher } from "./alertmanager-matchers.ts";

/** A route of alertmanager.yml (only the fields vigil writes, in the order it writes them). */
export interface AmRoute {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  mute_time_intervals?: string[];
  routes?: AmRoute[];
}

/** A `time_intervals` entry of alertmanager.yml. */
export interface AmTimeInterval {
  name: string;
  time_intervals: { weekdays?: string[]; times?: { start_time: string; end_time: string }[]; location: string }[];
}

/** The spec's maintenance windows as Alertmanager time intervals (names as in the spec). */
export function timeIntervals(spec: Spec): AmTimeInterval[] {
  return spec.maintenance.map((w) => ({
    name: w.name,
    time_intervals: [
      {
        ...(w.weekdays ? { weekdays: [...w.weekdays] } : {}),
        ...(w.times
          ? {
              times: w.times.map((range) => {
                const [start_time, end_time] = range.split("-") as [string, string];
                return { start_time, end_time };
              }),
            }
          : {}),
        location: w.timezone,
      },
    ],
  }));
}

/** The matchers selecting the alerts a window concerns (all must hold). */
export function windowMatchers(w: MaintenanceWindow): string[] {
  return [
    ...(w.hosts ? [w.hosts.length === 1 ? matcher("host", "=", w.hosts[0]!) : matcher("host", "=~", anyOf(w.hosts))] : []),
    ...(w.alerts ? [w.alerts.length === 1 ? matcher("alertname", "=", w.alerts[0]!) : matcher("alertname", "=~", anyOf(w.alerts))] : []),
    ...Object.entries(w.match ?? {}).map(([k, v]) => matcher(k, "=", v)),
  ];
}

/** Per label, the values a window admits (absent: any). */
function admitted(w: MaintenanceWindow): Map<string, Set<string>> {
  const sets = new Map<string, Set<string>>();
  const narrow = (label: string, values: readonly string[]) => {
    const prior = sets.get(label);
    sets.set(label, new Set(prior ? values.filter((v) => prior.has(v)) : values));
  };
  if (w.hosts) narrow("host", w.hosts);
  if (w.alerts) narrow("alertname", w.alerts);
  for (const [k, v] of Object.entries(w.match ?? {})) narrow(k, [v]);
  return sets;
}

/** True when no alert can be concerned by both windows (some label admits no common value). */
export function windowsDisjoint(a: MaintenanceWindow, b: MaintenanceWindow): boolean {
  const sa = admitted(a);
  const sb = admitted(b);
  for (const [label, values] of sa) {
    const other = sb.get(label);
    if (other && ![...values].some((v) => other.has(v))) return true;
  }
  return false;
}

/** One receiver per child, each with `continue`, and one child per escalation receiver. */
function fanOut(route: Route, mutes: string[]): AmRoute[] {
  const muted = mutes.length > 0 ? { mute_time_intervals: mutes } : {};
  if (route.to.length === 1 && !route.escalate) return [];
  return [
    ...route.to.map((receiver) => ({ receiver, continue: true, ...muted })),
    ...(route.escalate ?? []).flatMap((step) =>
      step.to.map((receiver) => ({ receiver, group_by: ["..."], group_wait: step.after, continue: true, ...muted })),
    ),
  ];
}

/** A spec route: its matchers, per-severity grouping children, receivers and escalation. */
function specRoute(spec: Spec, route: Route, mutes: string[]): AmRoute {
  const muted = mutes.length > 0 ? { mute_time_intervals: mutes } : {};
  const matchers = [
    ...(route.severity ? [matcher("severity", "=", route.severity)] : []),
    ...Object.entries(route.match ?? {}).map(([k, v]) => matcher(k, "=", v)),
  ];
  const g = spec.alerts.grouping;
  const batched = (["warning", "info"] as const satisfies readonly Severity[]).filter(
    (s) => g[s] !== undefined && (route.severity === undefined || route.severity === s),
  );
  // A route of one severity takes its grouping itself; a route of several gets a child per
  // severity that has its own grouping, in front of the receivers.
  const own = route.severity !== undefined && batched.includes(route.severity as "warning" | "info") ? g[route.severity as "warning" | "info"] : undefined;
  const grouping = (s: NonNullable<typeof own> | undefined) => ({
    ...(s?.by ? { group_by: [...s.by] } : {}),
    ...(s?.wait ? { group_wait: s.wait } : {}),
    ...(s?.interval ? { group_interval: s.interval } : {}),
  });
  const repeat = (s: typeof own) => route.repeat ?? s?.repeat;
  const perSeverity: AmRoute[] =
    route.severity === undefined
      ? batched.map((s) => {
          const children = fanOut(route, mutes);
          return {
            receiver: route.to[0],
            matchers: [matcher("severity", "=", s)],
            ...grouping(g[s]),
            ...(repeat(g[s]) ? { repeat_interval: repeat(g[s]) } : {}),
            ...muted,
            ...(children.length > 0 ? { routes: children } : {}),
          };
        })
      : [];
  const children = [...perSeverity, ...fanOut(route, mutes)];
  return {
    receiver: route.to[0],
    ...(matchers.length > 0 ? { matchers } : {}),
    ...grouping(own),
    ...(repeat(own) ? { repeat_interval: repeat(own) } : {}),
    ...(route.continue ? { continue: true } : {}),
    ...muted,
    ...(children.length > 0 ? { routes: children } : {}),
  };
}

/**
 * The routes below the root that carry the spec's routing (after the watchdog's): maintenance
 * subtrees first (see the header), then the spec's routes unmuted.
 */
export function specRoutes(spec: Spec): AmRoute[] {
  const windows = spec.maintenance;
  const level = (active: MaintenanceWindow[], from: number): AmRoute[] => {
    const mutes = active.map((w) => w.name);
    const nested: AmRoute[] = [];
    for (let i = from; i < windows.length; i++) {
      const w = windows[i]!;
      if (active.some((a) => windowsDisjoint(a, w))) continue;
      const now = [...active, w];
      nested.push({ matchers: windowMatchers(w), mute_time_intervals: now.map((x) => x.name), routes: level(now, i + 1) });
    }
    return [...nested, ...spec.alerts.routes.map((r) => specRoute(spec, r, mutes))];
  };
  return level([], 0);
}

/** The parts of `now` a time interval looks at, in `timezone`. */
function wallClock(now: Date, timezone: string): { weekday: string; minutes: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: timezone, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: get("weekday").toLowerCase(), minutes: Number(get("hour")) * 60 + Number(get("minute")) };
}


/**
 * True when the window's time interval contains `now`, with Alertmanager's semantics: the
 * weekday in the window's zone is in one of the ranges, and the wall-clock minute is in
 * [start, end) of one of the times.
 */
export function windowActive(w: MaintenanceWindow, now: Date): boolean {
  const { weekday, minutes } = wallClock(now, w.timezone);
  const day = weekdayIndex(weekday);
  const dayOk =
    !w.weekdays ||
    w.weekdays.some((range) => {
      const [from = "", to = from] = range.split(":");
      return weekdayIndex(from) <= day && day <= weekdayIndex(to);
    });
  const timeOk =
    !w.times ||
    w.times.some((range) => {
      const [start, end] = timeRangeMinutes(range);
      return start <= minutes && minutes < end;
    });
  return dayOk && timeOk;
}

/** The windows active at `now`. */
export const activeWindows = (spec: Spec, now: Date): MaintenanceWindow[] => spec.maintenance.filter((w) => windowActive(w, now));

/** True when the window concerns an alert with these labels (what windowMatchers select). */
export function windowConcerns(w: MaintenanceWindow, labels: Readonly<Record<string, string>>): boolean {
  if (w.hosts && !w.hosts.includes(labels.host ?? "")) return false;
  if (w.alerts && !w.alerts.includes(labels.alertname ?? "")) return false;
  return Object.entries(w.match ?? {}).every(([k, v]) => labels[k] === v);
}
