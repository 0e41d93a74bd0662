// SLO recording rules and the SloErrorBudgetBurn alerts (multi-window, multi-burn-rate; Google
// SRE workbook, "Alerting on SLOs"), one group per `slos` entry.
//
// Recorded per SLO (label slo=<name>), for each window 5m, 30m, 1h, 2h, 6h, 1d, 3d and the SLO's
// own window:
//   slo:sli_error:ratio_rate<w>   bad events / all events over w, in [0, 1]
//   slo:sli_events:rate<w>        all events per second over w (the minimum-events guard)
// and slo:objective:ratio, slo:error_budget_remaining:ratio.
//
// Choices that differ from common generators (each is also stated in the alert's annotations):
// - No NaN: with no events in a window the error ratio is 0, not 0/0. A NaN would poison every
//   longer window that averages it and silently disable the alert.
// - Objective 100 has no error budget, so every burn rate would be infinite: the schema rejects it
//   (objective < 100), and `budgetFraction` refuses it too.
// - A minimum-events guard (minEventsPerHour): a pair only fires while the long window saw at
//   least that many events per hour, so three failures among five requests at night do not page.
// - Burn factors scale with the SLO window: a pair fires when the budget share of the workbook
//   table (2%, 5%, 10%, 10%) is spent within its long window, i.e. factor = share × window / long
//   window (14.4, 6, 3, 1 at 30d), but never below 1: an error rate the budget sustains until
//   the window ends does not alert.
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Slo, Spec, UptimeCheck } from "../../schema/spec-schema.ts";
import { alertLabels, matchers, num, str, UPTIME_JOB, type AlertingRule, type RecordingRule, type RuleGroup } from "./rule-file.ts";
import { BURN_PAIRS, SLO_BUDGET_MIN_INTERVAL_SECONDS, SLO_WINDOWS, type BurnPair } from "./tunables.ts";


/** The error budget as a ratio: 99.9 → 0.001. */
export function budgetFraction(slo: Slo): number {
  if (!(slo.objective > 0 && slo.objective < 100)) {
    throw new Error(`SLO "${slo.name}": objective must be above 0 and below 100 (got ${slo.objective}); 100 leaves no error budget`);
  }
  return Number(((100 - slo.objective) / 100).toPrecision(10));
}

/** How many times faster than sustainable the budget burns when the pair fires. */
export function burnFactor(slo: Slo, pair: BurnPair): number {
  const factor = (pair.budgetShare * durationSeconds(slo.window)) / durationSeconds(pair.long);
  return Number(Math.max(1, factor).toPrecision(10));
}

/** The error ratio above which both windows of the pair must be for it to fire. */
export const burnThreshold = (slo: Slo, pair: BurnPair): number => Number((burnFactor(slo, pair) * budgetFraction(slo)).toPrecision(10));

/** Windows recorded for this SLO, shortest first, its own window included once. */
export function sloWindows(slo: Slo): string[] {
  const own = formatDuration(durationSeconds(slo.window));
  return SLO_WINDOWS.some((w) => durationSeconds(w) === durationSeconds(own)) ? [...SLO_WINDOWS] : [...SLO_WINDOWS, own];
}

const sloSel = (slo: Slo) => `slo=${str(slo.name)}`;
const ratioName = (w: string) => `slo:sli_error:ratio_rate${w}`;
const eventsName = (w: string) => `slo:sli_events:rate${w}`;
/** Per evaluation, 1 when the check's probe was good, 0 when bad (probe-based SLIs only). */
const PROBE_GOOD = "slo:sli_good:probe";

/** The SLI of one SLO: its error ratio and event rate over a window, as PromQL. */
interface Sli {
  /** Rules that must run before the window rules (same group, same evaluation). */
  base: RecordingRule[];
  errorRatio: (w: string) => string;
  eventsPerSecond: (w: string) => string;
  describe: string;
}

function probeSli(slo: Slo, check: UptimeCheck): Sli {
  const sel = matchers({ job: UPTIME_JOB, check: check.name });
  const good =
    slo.latencyMs === undefined
      ? `min(probe_success{${sel}})`
      : `min(probe_success{${sel}} * (probe_duration_seconds{${sel}} <= bool ${num(slo.latencyMs / 1000)}))`;
  const samples = (fn: string, w: string) => `sum(${fn}(${PROBE_GOOD}{${sloSel(slo)}}[${w}]))`;
  return {
    base: [{ record: PROBE_GOOD, expr: good, labels: { slo: slo.name } }],
    errorRatio: (w) => `1 - ${samples("sum_over_time", w)} / ${samples("count_over_time", w)}\nor vector(0)`,
    eventsPerSecond: (w) => `${samples("count_over_time", w)} / ${durationSeconds(w)}\nor vector(0)`,
    describe:
      slo.latencyMs === undefined
        ? `probes of uptime check "${check.name}"; a failed probe is bad`
        : `probes of uptime check "${check.name}"; a failed probe or one slower than ${slo.latencyMs}ms is bad`,
  };
}

function querySli(slo: Slo): Sli {
  const at = (query: string, w: string) => `sum(${query.replaceAll("{{window}}", w)})`;
  return {
    base: [],
    errorRatio: (w) => `clamp_max((${at(slo.errorQuery!, w)} or vector(0)) / (${at(slo.totalQuery!, w)} > 0), 1)\nor vector(0)`,
    eventsPerSecond: (w) => `${at(slo.totalQuery!, w)}\nor vector(0)`,
    describe: "errorQuery / totalQuery (each summed into one series)",
  };
}

function sliOf(spec: Spec, slo: Slo): Sli {
  if (slo.uptime !== undefined) {
    const check = spec.uptime.find((u) => u.name === slo.uptime);
    if (!check) throw new Error(`SLO "${slo.name}": no uptime check named "${slo.uptime}"`);
    return probeSli(slo, check);
  }
  if (slo.errorQuery === undefined || slo.totalQuery === undefined) throw new Error(`SLO "${slo.name}" has no SLI`);
  return querySli(slo);
}

function burnAlert(spec: Spec, slo: Slo, pair: BurnPair): AlertingRule {
  const factor = burnFactor(slo, pair);
  const threshold = num(burnThreshold(slo, pair));
  const guard =
    slo.minEventsPerHour > 0 ? `\nand ${eventsName(pair.long)}{${sloSel(slo)}} * 3600 >= ${num(slo.minEventsPerHour)}` : "";
  const hoursToEmpty = num(durationSeconds(slo.window) / factor / 3600);
  return {
    alert: "SloErrorBudgetBurn",
    expr:
      `${ratioName(pair.long)}{${sloSel(slo)}} > ${threshold}\n` +
      `and ${ratioName(pair.short)}{${sloSel(slo)}} > ${threshold}` +
      guard,
    labels: alertLabels(spec, pair.severity, { slo: slo.name, long_window: pair.long, short_window: pair.short }),
    annotations: {
      summary: `SLO ${slo.name}: error budget burning ${num(factor)}x too fast`,
      description:
        `{{ $value | humanizePercentage }} of events failed over the last ${pair.long}, and more than ${num(Number(threshold) * 100)}% over the last ${pair.short}. ` +
        `Objective ${num(slo.objective)}% over ${slo.window} (error budget ${num(budgetFraction(slo) * 100)}%); ` +
        `at this rate the whole budget is gone within ${hoursToEmpty}h.`,
      burn_rate: num(factor),
      method:
        `Multi-window multi-burn-rate: fires while both the ${pair.long} and the ${pair.short} error ratio exceed ${num(factor)} x the budget, ` +
        `so it fires quickly on a real burn and resolves within ${pair.short} of recovery. ` +
        `Factor = ${num(pair.budgetShare * 100)}% of the budget within ${pair.long} = ${pair.budgetShare} x ${slo.window} / ${pair.long}, never below 1.`,
      sli: sliOf(spec, slo).describe,
      no_traffic: "A window without events has error ratio 0 (not NaN): no traffic never alerts and never poisons longer windows.",
      min_events:
        slo.minEventsPerHour > 0
          ? `Quiet while fewer than ${num(slo.minEventsPerHour)} events per hour arrived over the last ${pair.long} (minEventsPerHour).`
          : "No minimum-events guard (minEventsPerHour: 0).",
    },
  };
}

export function sloRuleGroupsFor(spec: Spec, slo: Slo): RuleGroup[] {
  const sli = sliOf(spec, slo);
  const own = formatDuration(durationSeconds(slo.window));
  const ownIsFast = sloWindows(slo).length === SLO_WINDOWS.length;
  const labels = { slo: slo.name };
  const record = (w: string): RecordingRule[] => [
    { record: ratioName(w), expr: sli.errorRatio(w), labels },
    { record: eventsName(w), expr: sli.eventsPerSecond(w), labels },
  ];
  const main: RuleGroup = {
    name: `vigil-slo-${slo.name}`,
    rules: [...sli.base, ...SLO_WINDOWS.flatMap(record), ...BURN_PAIRS.map((pair) => burnAlert(spec, slo, pair))],
  };
  // The SLO's own window reads every sample in it; no alert depends on it (tunables.ts).
  const budget: RuleGroup = {
    name: `vigil-slo-${slo.name}-budget`,
    interval: formatDuration(Math.max(SLO_BUDGET_MIN_INTERVAL_SECONDS, durationSeconds(spec.intervals.evaluation))),
    rules: [
      ...(ownIsFast ? [] : record(own)),
      { record: "slo:objective:ratio", expr: `vector(${num(slo.objective / 100)})`, labels },
      {
        record: "slo:error_budget_remaining:ratio",
        expr: `1 - ${ratioName(own)}{${sloSel(slo)}} / ${num(budgetFraction(slo))}`,
        labels,
      },
    ],
  };
  return [main, budget];
}

export const sloRuleGroups = (spec: Spec): RuleGroup[] => spec.slos.flatMap((slo) => sloRuleGroupsFor(spec, slo));
