// vigil's validate-time PromQL check (schema/promql.ts) against Prometheus' own parser, promtool
// (Debian 12: 2.42): whatever vigil accepts, promtool must accept, or a spec passes `vigil
// validate` and fails on the hub. vigil may refuse more (it is told apart only by its message).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import fc from "fast-check";
import { promqlError } from "../../schema/promql.ts";
import { run, tempDir } from "./support.ts";

const dir = tempDir("promql");
/** For a failure's message: the seed that drew the generated cases (test/fast-check-seed.ts). */
const drawnWith = () => `(fast-check seed ${fc.readConfigureGlobal().seed ?? "not fixed: run through npm test or test/run.sh"})`;

/** promtool's verdict on each query as a recording rule, in one run: the rules it refuses. */
function promtoolRefuses(queries: string[]): Set<number> {
  const file = join(dir, "rules.yml");
  writeFileSync(file, stringify({ groups: [{ name: "q", rules: queries.map((expr, i) => ({ record: `q${i}`, expr })) }] }));
  const r = run("promtool", ["check", "rules", file]);
  return new Set([...r.output.matchAll(/rule (\d+), "q\d+"/g)].map((m) => Number(m[1]) - 1));
}

test("vigil and promtool agree on strings, escapes and the characters between tokens", () => {
  const queries = [
    'x - "a"', 'label_replace(x, "a", "b", "c", "d")', 'count_values("v", x)', "x - `a`", 'x{a="\\;"}',
    'x{a="\\x41\\101\\u00e9\\U0001F600"}', 'x{a="\\777"}', 'x{a="\\uD800"}', "x{a='\\\"'}", "x{a=\"\\'\"}", "x{a='b'}",
    'quantile("a", x)', 'label_replace("a", "a", "b", "c", "d")', "x{a=`b\\q`}", 'sum(x) - "$(\\;\t', 'x{a="\\x4"}', 'x{a="é"}',
    // (U+0085 is left to promql.test.ts: YAML 1.1, as Go reads a rule file, takes it for a line break.)
    "x\u00a0+ y", 'x{a="\\a\\b\\f\\n\\r\\t\\v\\\\"}', 'x{a="\\U00110000"}', 'x{a="abc}', "up", "sum(rate(x[5m])) by (job)",
    '{}', '{a=""}', '{a=~".*"}', '{a=~".+"}', '{a!=""}', '{a!~".*"}', 'x{a=~"("}', 'rate({a=~"x|"}[5m])', 'x{a=~"\\d+"}', 'x{a=~"\\\\d+"}', 'x{a=~`\\d+`}',
    // Regexes as Go 1.19 reads them (schema/re2.ts), where re2js takes more: named groups, Unicode
    // classes; and anchored as Prometheus compiles them, ^(?:value)$, which a \Q left open breaks
    // and which adds a nesting level.
    'x{a=~"(?<n>b)"}', 'x{a=~"(?P<n>b)"}', "x{a=~`\\p{Kawi}`}", "x{a=~`\\p{Greek}\\pL`}", "x{a=~`[a\\p{Emoji}]`}", "x{a=~`\\P{^Toto}`}",
    // A [ inside a class before ":]" with no ":]" further on is a literal [ to Go, a bad POSIX
    // class name "[:]" to re2js (found by the generated matchers below in a CI run).
    "x{a=~`[:\\pL[:]*\\!`}", "x{a=~`[[:]`}", "x{a=~`[[:]]`}", "x{a=~`[a[:]b[:]`}", "x{a=~`[[:]\\p{Kawi}`}", "x{a=~`[[:]:]`}", "x{a=~`[\\[:]`}", "x{a=~`[a]:]`}", "x{a=~`[[a]:]`}", "x{a=~`*:]`}", "x{a=~`[[:]a:]`}",
    // Lookaround and named-group text in a class or a \Q...\E quote is characters to Go (found by
    // a hunt with many seeds: a text search had refused them).
    "x{a=~`[(?=]`}", "x{a=~`#[(?<=Kawi0:]=a`}", "x{a=~`\\Q(?<n>\\E`}", "x{a=~`Kawi|10FFFF*\\Q\\p{(?=\\E$`}", "x{a=~`[]\\(?=]`}", "x{a=~`\\Q(\\E(`}", "x{a=~`[(]x(?=y)`}",
    "x{a=~`a\\Qb`}", "x{a=~`\\Qa\\E\\p{Han}`}", "x{a=~`\\\\p{Kawi}`}", `x{a=~"${"(".repeat(998)}a${")".repeat(998)}"}`, `x{a=~"${"(".repeat(999)}a${")".repeat(999)}"}`,
  ];
  const refused = promtoolRefuses(queries);
  const disagreements = queries.filter((q, i) => refused.has(i) !== (promqlError(q) !== undefined));
  assert.deepEqual(disagreements, []);
  // The table is not trivial: both verdicts occur.
  assert.ok(refused.size > 5 && refused.size < queries.length - 5, `${refused.size} refused`);
});

test("vigil and promtool agree on every Unicode class name re2js knows beyond Go 1.19's, and on some of Go 1.19's", () => {
  // The names re2js 2.10 takes and promtool 2.42 (Go 1.19.8, Unicode 13) refuses: newer scripts,
  // categories Go lacks, binary properties and re2js's aliases; then names both take.
  const newer = [
    "Cn", "LC", "ASCII_Hex_Digit", "Alphabetic", "Dash", "Emoji", "Emoji_Component", "Emoji_Modifier", "Emoji_Modifier_Base", "Emoji_Presentation",
    "Extended_Pictographic", "Hex_Digit", "Lowercase", "Math", "Quotation_Mark", "Terminal_Punctuation", "Uppercase", "White_Space", "Beria_Erfe",
    "Cypro_Minoan", "Garay", "Gurung_Khema", "Kawi", "Kirat_Rai", "Nag_Mundari", "Ol_Onal", "Old_Uyghur", "Sidetic", "Sunuwar", "Tai_Yo", "Tangsa",
    "Todhri", "Tolong_Siki", "Toto", "Tulu_Tigalari", "Unknown", "Vithkuqi", "Ascii", "Assigned", "Lc",
  ];
  const known = ["Any", "C", "Co", "Cs", "L", "Lu", "Nd", "Zs", "Zp", "Latin", "Greek", "Han", "Common", "Inherited", "Yezidi", "Khitan_Small_Script", "Dives_Akuru", "Chorasmian"];
  const queries = [...newer, ...known].map((name) => `x{a=~\`\\p{${name}}\`}`);
  const refused = promtoolRefuses(queries);
  assert.deepEqual(queries.filter((q, i) => refused.has(i) !== (promqlError(q) !== undefined)), []);
  assert.equal(refused.size, newer.length);
});

test("vigil and promtool agree on generated regex matchers (fast-check)", () => {
  // Pieces of RE2 syntax, where re2js and Go 1.19 part (schema/re2.ts) and where they do not.
  const piece = fc.constantFrom(
    "a", "b", ".", "*", "+", "?", "|", "(", ")", "[", "]", "^", "$", "{", "}", ",", "1", "0", "-", "\\", "\\d", "\\pL", "\\p{", "Greek", "Kawi",
    "\\P", "(?", "(?P<", ">", "(?i)", "(?s", ":", "\\Q", "\\E", "[:", ":]", "alpha", "\\x", "\\x{", "10FFFF", "\\b", "\\z", "=", "!", "<", "é",
    "\\8", "{2}", "{1001}", "\\C", "#",
  );
  const regexes = [...new Set(fc.sample(fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => p.join("")), 2000))];
  const queries = regexes.map((r) => `x{a=~\`${r}\`}`);
  const refused = promtoolRefuses(queries);
  const vigilAccepts = queries.map((q) => promqlError(q) === undefined);
  assert.deepEqual(regexes.filter((_, i) => vigilAccepts[i] && refused.has(i)), [], `vigil accepted these and promtool refused them ${drawnWith()}`);
  // vigil may refuse more only where re2js is stricter than Go 1.19: two groups of one name.
  assert.deepEqual(regexes.filter((r, i) => !vigilAccepts[i] && !refused.has(i) && !/\(\?P<(\w+)>.*\(\?P<\1>/.test(r)), [], `vigil refused these and promtool took them ${drawnWith()}`);
  // In trial runs about a fifth of the samples compiled.
  assert.ok(vigilAccepts.filter(Boolean).length > 100);
});

test("what vigil accepts of generated hostile appendices, promtool accepts too (fast-check)", () => {
  const piece = fc.constantFrom("$(", ")", "`", "'", '"', "\\", "\n", "\t", "{{", "}}", "${IFS}", "../", ";", "|", "&", "#", " ", "a", "-", "/", "%0a", "\u0085", "x", "\\x4", "\\u00e9", "(", "{", "}", ",", "=", "=~", "1");
  const base = 'sum(rate(http_requests_total{code=~"5.."}[5m]))';
  const samples = fc.sample(
    fc.tuple(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.boolean()).map(([pieces, append]) => (append ? base : "") + pieces.join("")),
    3000,
  );
  const accepted = [...new Set(samples.filter((q) => promqlError(q) === undefined))];
  // Most are refused; 4 to 9 in 600 got through in trial runs, so 3,000 give about 30.
  assert.ok(accepted.length >= 5, `${accepted.length} accepted`);
  const refused = promtoolRefuses(accepted);
  assert.deepEqual([...refused].map((i) => accepted[i]), [], `vigil accepted these and promtool refused them ${drawnWith()}`);
});
