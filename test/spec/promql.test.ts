// User PromQL at validate time (schema/promql.ts): one complete expression or a located refusal
// that says why. The offset is where `vigil validate` points inside the query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promqlError } from "../../schema/promql.ts";

const ENDS_EARLY = "PromQL expression ends early (an unclosed bracket or a missing operand)";
const CANNOT_COMPILE = (character: number) => `has a regex matcher Prometheus cannot compile (character ${character} of the regex)`;

test("complete expressions pass", () => {
  for (const expr of ["up", "sum(rate(http_requests_total{code=~\"5..\"}[5m])) by (job) > 0.1", "  up  ", "histogram_quantile(0.9, rate(x[5m]))"]) {
    assert.equal(promqlError(expr), undefined, expr);
  }
});

test("empty, unfinished, extra text and comments are refused at the right character", () => {
  const cases: [string, { offset: number; message: string }][] = [
    ["", { offset: 0, message: "is an empty PromQL expression" }],
    ["   ", { offset: 0, message: "is an empty PromQL expression" }],
    ["sum(x", { offset: 5, message: ENDS_EARLY }],
    ["up +   ", { offset: 7, message: ENDS_EARLY }],
    ["rate(x[5m", { offset: 9, message: ENDS_EARLY }],
    // A second expression: the error sits inside the tree, below a single top expression.
    ["up up", { offset: 3, message: 'PromQL syntax error at "up"' }],
    ["sum(x) )", { offset: 7, message: 'PromQL syntax error at ")"' }],
    // Leading blanks do not make a mid-query error look like an early end.
    ["      up ) x", { offset: 9, message: 'PromQL syntax error at ") x"' }],
    // The quoted rest is cut at 24 characters: exactly 24 are shown whole, 25 end in "...".
    ["up ) abcdefghijklmnopqrstuv", { offset: 3, message: 'PromQL syntax error at ") abcdefghijklmnopqrstuv"' }],
    ["up ) abcdefghijklmnopqrstuvw", { offset: 3, message: 'PromQL syntax error at ") abcdefghijklmnopqrstuv..."' }],
    // vigil wraps the query in sum(...): a comment would swallow the closing bracket.
    ["up # all targets", { offset: 3, message: "has a # comment; a query must be the expression alone" }],
    ["# only a comment", { offset: 0, message: "has a # comment; a query must be the expression alone" }],
  ];
  for (const [expr, expected] of cases) assert.deepEqual(promqlError(expr), expected, JSON.stringify(expr));
});

test("strings as Prometheus' lexer reads them: closed, known escapes, and only where PromQL takes a string", () => {
  const cases: [string, { offset: number; message: string } | undefined][] = [
    // The canary's payload appended to an errorQuery: an unknown escape in a string left open.
    ['sum(x) - "$(\\;\t', { offset: 12, message: 'PromQL has no escape \\; in the string "\\"$(\\\\;\\t"' }],
    ['x{a="abc}', { offset: 9, message: 'PromQL string is not closed in the string "\\"abc}"' }],
    ['x{a="b\nc"}', { offset: 6, message: 'PromQL string is not closed in the string "\\"b"' }],
    ["x{a='\\\"'}", { offset: 5, message: "PromQL has no escape \\\" in the string \"'\\\\\\\"'\"" }],
    ['x{a="\\x4"}', { offset: 5, message: 'PromQL escape \\x needs 2 hex digits in the string "\\"\\\\x4\\""' }],
    ['x{a="\\400"}', { offset: 5, message: 'PromQL escape names no valid character in the string "\\"\\\\400\\""' }],
    // The first and last code points of each bound: \uD800 is a surrogate, \uE000 (below) is not.
    ['x{a="\\uD800"}', { offset: 5, message: 'PromQL escape names no valid character in the string "\\"\\\\uD800\\""' }],
    ['x{a="\\12"}', { offset: 5, message: 'PromQL escape \\1 needs 3 octal digits in the string "\\"\\\\12\\""' }],
    // Too few digits at the end of a string left open: the escape is told, not the open string.
    ['x{a="\\x4', { offset: 5, message: 'PromQL escape \\x needs 2 hex digits in the string "\\"\\\\x4"' }],
    ['x{a="\\uDFFF"}', { offset: 5, message: 'PromQL escape names no valid character in the string "\\"\\\\uDFFF\\""' }],
    ['x{a="\ud800"}', { offset: 5, message: "has half of a UTF-16 surrogate pair, which is no character" }],
    ["x\udc00", { offset: 1, message: "has half of a UTF-16 surrogate pair, which is no character" }],
    ['x - "a"', { offset: 4, message: 'has a string where PromQL takes a number or a series ("\\"a\\""); strings are label matcher values and the text arguments of label_replace, label_join and count_values' }],
    ['quantile("0.9", x)', { offset: 9, message: 'has a string where PromQL takes a number or a series ("\\"0.9\\""); strings are label matcher values and the text arguments of label_replace, label_join and count_values' }],
    ['label_replace("a", "b", "c", "d", "e")', { offset: 14, message: 'has a string where PromQL takes a number or a series ("\\"a\\""); strings are label matcher values and the text arguments of label_replace, label_join and count_values' }],
    ["x\u0085", { offset: 1, message: 'PromQL allows no character "\u0085" outside a string (U+0085)' }],
    ["x\u00a0+ y", { offset: 1, message: 'PromQL allows no character "\u00a0" outside a string (U+00A0)' }],
    // Before a string, right after one, and a control character lezer skips (vertical tab).
    ['x\u00a0{a="b"}', { offset: 1, message: 'PromQL allows no character "\u00a0" outside a string (U+00A0)' }],
    ['x{a="b"\u00a0}', { offset: 7, message: 'PromQL allows no character "\u00a0" outside a string (U+00A0)' }],
    ["x\u000b+ y", { offset: 1, message: 'PromQL allows no character "\\u000b" outside a string (U+000B)' }],
    // A string in a function other than label_replace and label_join, and after count_values' label.
    ['round(x, "1")', { offset: 9, message: 'has a string where PromQL takes a number or a series ("\\"1\\""); strings are label matcher values and the text arguments of label_replace, label_join and count_values' }],
    ['count_values("v", "x")', { offset: 18, message: 'has a string where PromQL takes a number or a series ("\\"x\\""); strings are label matcher values and the text arguments of label_replace, label_join and count_values' }],
    // parse.go: a regex matcher compiles, and a selector excludes the empty value somewhere.
    ['x{a=~"("}', { offset: 6, message: `${CANNOT_COMPILE(1)}: not a valid RE2 regex: missing closing )` }],
    // Go 1.19's RE2 (schema/re2.ts), not re2js's: no (?<name>...), no class of a newer Unicode. The
    // offset is the bad character's when the literal has no escapes, else the literal's.
    ['x{a=~"(?<n>b)"}', { offset: 6, message: `${CANNOT_COMPILE(1)}: named groups are written (?P<name>...) in Prometheus' RE2 (Go 1.19)` }],
    ["x{a=~`ok|a**`}", { offset: 10, message: `${CANNOT_COMPILE(5)}: not a valid RE2 regex: invalid nested repetition operator at "**"` }],
    ['x{a=~"\\x41(?<n>b)"}', { offset: 5, message: `${CANNOT_COMPILE(2)}: named groups are written (?P<name>...) in Prometheus' RE2 (Go 1.19)` }],
    ["x{a=~`a|\\p{Kawi}`}", { offset: 8, message: `${CANNOT_COMPILE(3)}: Prometheus' RE2 (Go 1.19) has no class \\p{Kawi}: only Unicode 13's scripts, the general categories but Cn and LC, and Any` }],
    // A regex of one backslash (the string's escaped one): its value is what is compiled.
    ['x{a=~"\\\\"}', { offset: 5, message: `${CANNOT_COMPILE(2)}: not a valid RE2 regex: trailing backslash at end of expression` }],
    // A string lex.go refuses is told before any check of the selector it stands in.
    ['x{a=~"\\;"}', { offset: 6, message: 'PromQL has no escape \\; in the string "\\"\\\\;\\""' }],
    ['x{a=~"(", b="\\;"}', { offset: 13, message: 'PromQL has no escape \\; in the string "\\"\\\\;\\""' }],
    // Prometheus compiles ^(?:value)$: a \Q quote left open swallows the closing ")$".
    ["x{a=~`a\\Qb`}", { offset: 5, message: "has a regex matcher Prometheus cannot compile once it anchors it as ^(?:regex)$: not a valid RE2 regex: missing closing )" }],
    ['{}', { offset: 0, message: "has a selector without a metric name or a matcher that excludes the empty value: it would select every series" }],
    ['{a!="b"}', { offset: 0, message: "has a selector without a metric name or a matcher that excludes the empty value: it would select every series" }],
    ['rate({a=~"x|", b=""}[5m])', { offset: 5, message: "has a selector without a metric name or a matcher that excludes the empty value: it would select every series" }],
    ['{a=~".+"} + {a!=""} + {a!~".*"} + {a="b"} + up{job=""} + x{a=~`\\d+`} + x{a=~"\\\\d+"}', undefined],
    ['x{a=~"(?P<n>b)"} + x{a=~`\\p{Greek}\\Qa\\E`} + x{a=~"\\\\\\\\p{Kawi}"}', undefined],
    // What lex.go takes: every escape it knows, each quote, raw strings without escapes, the
    // three places a string may stand.
    ['x{a="\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\x41\\101\\377\\u00e9\\U0001F600é😀"}', undefined],
    ["x{a='\\'', b=`\\q`}", undefined],
    ['x{a="\\uE000\\uD7FF"}', undefined],
    ['label_join(label_replace(x, "d", "$1", "s", "(.*)"), "j", ",", "a", "b")', undefined],
    ['count_values("value", x)', undefined],
    ["x\t+\r\ny", undefined],
  ];
  for (const [expr, expected] of cases) assert.deepEqual(promqlError(expr), expected, JSON.stringify(expr));
});
