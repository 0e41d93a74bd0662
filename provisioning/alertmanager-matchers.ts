// Alertmanager matchers (`label="value"`), the one way a value enters one.
//
// Alertmanager 0.25 parses a matcher value between double quotes and unescapes exactly three
// sequences: \" \\ and \n; any other backslash stays literal (pkg/labels/parse.go). So JSON
// quoting is wrong for it (a tab would become the two characters \t and never match). Label names
// must be Prometheus label names: they are written bare, left of the operator.
export type MatchOp = "=" | "!=" | "=~" | "!~";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A value quoted for an Alertmanager matcher. */
export const quoteMatcherValue = (value: string): string =>
  `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

/** `label<op>"value"`; throws on a label name Alertmanager would not parse. */
export function matcher(label: string, op: MatchOp, value: string): string {
  if (!LABEL_NAME.test(label)) throw new Error(`"${label}" is not a Prometheus label name`);
  return `${label}${op}${quoteMatcherValue(value)}`;
}

/** A regular expression (RE2, anchored by Alertmanager) matching exactly one of `values`. */
export const anyOf = (values: readonly string[]): string => values.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|");
