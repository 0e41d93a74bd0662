// Maintenance windows (spec.maintenance) as Alertmanager 0.25 (Debian's prometheus-alertmanager)
// understands them: top-level `time_intervals`, which alerts a window concerns, and whether a
// window is active at a given time with Alertmanager's semantics. The routing tree that mutes the
// concerned alerts with `mute_time_intervals` is written by alertmanager.ts (the one place that
// writes matchers); `vigil status` uses the rest to show which alerts are in maintenance.
import type { MaintenanceWindow, Spec } from "../../schema/spec-schema.ts";
import { timeRangeMinutes, weekdayIndex } from "../../schema/time-of-week.ts";

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
