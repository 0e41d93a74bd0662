// Shared by the rule families (host, agent, uptime, slo, watchdog): the rule-file model, its YAML,
// and PromQL literals (the timing policy is detection-timing.ts).
import { parse, stringify } from "yaml";
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Severity, Spec } from "../../schema/spec-schema.ts";
import type { ScrapeSpan } from "./tunables.ts";
import { roundedFixedPoint } from "../fixed-point.ts";

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  /** Unset: Prometheus' global evaluation_interval (intervals.evaluation). */
  interval?: string;
  rules: (AlertingRule | RecordingRule)[];
}

/** A Prometheus rule file. Deterministic: the same groups give the same bytes. */
export function ruleFileYaml(family: string, groups: RuleGroup[]): string {
  const header = `# Written by vigil (${family} rules); changes here are overwritten on the next apply.\n`;
  return header + stringify({ groups }, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false });
}

/**
 * A rule file without annotations, for `promtool test rules`: it compares annotations too, and a
 * unit test is about when which alert fires with which labels. `promtool check rules` checks the
 * annotation templates of the real files.
 */
export function withoutAnnotations(ruleFile: string): string {
  const doc = parse(ruleFile) as { groups: { rules: Record<string, unknown>[] }[] };
  for (const group of doc.groups) for (const rule of group.rules) delete rule.annotations;
  return stringify(doc);
}

/** A PromQL string literal (PromQL accepts Go's escapes, a superset of JSON's). */
export const str = (value: string): string => JSON.stringify(value);

/** A regular expression matching exactly one of `values` (RE2; Prometheus anchors it). */
export const alternation = (values: readonly string[]): string =>
  values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/** `name="value"` pairs for a selector, in the given order. */
export const matchers = (pairs: Record<string, string>): string =>
  Object.entries(pairs)
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(",");

/** Labels every vigil alert carries: severity and environment (also an external label). */
export const alertLabels = (spec: Spec, severity: Severity, extra: Record<string, string> = {}): Record<string, string> => ({
  severity,
  environment: spec.environment,
  ...extra,
});

/** A span counted in the spec's scrapes, in seconds (tunables.ts). */
export const scrapeSpanSeconds = (spec: Spec, span: ScrapeSpan): number => Math.max(span.scrapes * durationSeconds(spec.intervals.scrape), span.minSeconds);

/** A number as PromQL text without float noise (0.1 + 0.2 → 0.3), in fixed point. */
export const num = (value: number): string => roundedFixedPoint(value, 10);

/** Jobs of the hub's scrape config; rules select on them. */
export const NODE_JOB = "node";
export const UPTIME_JOB = "uptime";
/** Each hub scrapes its own Prometheus and Alertmanager (self-rules.ts). */
export const PROMETHEUS_JOB = "prometheus";
/** The applications' own endpoints (spec hosts[].scrape): app-rules.ts and the custom rules select it. */
export const APP_JOB = "app";
export const ALERTMANAGER_JOB = "alertmanager";
/** Each node's mtail (log-derived metrics, node/mtail.ts). */
export const MTAIL_JOB = "mtail";
