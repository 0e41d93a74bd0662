// The SLO windows vigil supports: 1d to 90d. Below a day, the slow burn-rate pairs (1d/2h, 3d/6h
// of provisioning/rules/slo-rules.ts) would look back further than the window itself; above 90
// days, the budget recording reads more samples than one evaluation should and the hub keeps the
// data for longer than any SLO report needs (retention follows the longest window). The spec's
// cross-checks enforce the range; the slo-objective-and-window policy may narrow it.
import { durationSeconds } from "./durations.ts";

export const SLO_WINDOW_MIN = "1d";
export const SLO_WINDOW_MAX = "90d";

/** True when the window lies within [min, max] (both durations, inclusive). */
export const sloWindowWithin = (window: string, min: string = SLO_WINDOW_MIN, max: string = SLO_WINDOW_MAX): boolean =>
  durationSeconds(window) >= durationSeconds(min) && durationSeconds(window) <= durationSeconds(max);
