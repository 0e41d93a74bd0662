// Mapping the spec's thresholds onto DigitalOcean monitor alerts.
import { durationSeconds } from "../schema/durations.ts";

/** The windows a DigitalOcean monitor alert accepts (FIELD-NOTES), in seconds. */
export const MONITOR_WINDOWS = [
  ["5m", 300],
  ["10m", 600],
  ["30m", 1800],
  ["1h", 3600],
] as const;
export type MonitorWindow = (typeof MONITOR_WINDOWS)[number][0];

/**
 * The allowed window nearest to a spec `for` duration. Shorter than 5m gives 5m, longer than 1h
 * gives 1h; a tie (20m, 45m) takes the longer window: the independent path should not page on
 * flaps the in-cluster alerts would not page on either.
 */
export function nearestMonitorWindow(forDuration: string): MonitorWindow {
  const seconds = durationSeconds(forDuration);
  let best: (typeof MONITOR_WINDOWS)[number] = MONITOR_WINDOWS[0];
  for (const candidate of MONITOR_WINDOWS) {
    if (Math.abs(candidate[1] - seconds) <= Math.abs(best[1] - seconds)) best = candidate;
  }
  return best[0];
}

/**
 * vCPUs of a droplet size slug (`s-2vcpu-4gb` → 2, `c-4` → 4, `s-1vcpu-512mb-10gb` → 1), or
 * undefined for a slug this does not know; the caller then uses the droplet's `vcpus` output.
 */
export function vcpusOfSize(slug: string): number | undefined {
  const named = /(?:^|-)(\d+)vcpu(?:-|$)/.exec(slug);
  if (named) return Number(named[1]);
  const dedicated = /^(?:c|c2|m|m3|m6|g|gd|so|so1_5|r|s)-(\d+)(?:-|$)/.exec(slug);
  if (dedicated && !/gb$/.test(slug.split("-")[1] ?? "")) return Number(dedicated[1]);
  return undefined;
}
