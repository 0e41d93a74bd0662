// Shared by the rule families (host, agent, uptime, slo, watchdog): the rule-file model, its YAML,
// PromQL literals, and the timing policy every family uses.
import { stringify } from "yaml";
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Severity, Spec } from "../../schema/spec-schema.ts";
import { CONFIRM, type ScrapeSpan } from "./tunables.ts";

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

/** How long a bad state must hold before an alert fires when the spec gives no `for` (tunables.ts CONFIRM). */
export const confirmSeconds = (spec: Spec): number => scrapeSpanSeconds(spec, CONFIRM);
export const confirmFor = (spec: Spec): string => formatDuration(confirmSeconds(spec));

/** A number as PromQL text without float noise (0.1 + 0.2 → 0.3). */
export const num = (value: number): string => String(Number(value.toPrecision(10)));

/** Jobs of the hub's scrape config; rules select on them. */
export const NODE_JOB = "node";
export const UPTIME_JOB = "uptime";
