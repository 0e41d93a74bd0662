// User PromQL, checked at `vigil validate` with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql, the parser of Prometheus' web UI). Every query a spec gives
// (SLO errorQuery/totalQuery, custom alert rule `expr`) goes through `promqlError` before it is
// placed in a rule file: a query that is not ONE complete expression could close the wrapper vigil
// puts around it (`sum(<query>)`) and append its own operators.
//
// lezer recovers from syntax errors instead of stopping: the tree then holds error nodes (⚠).
// Any error node, or a top node that is not a single expression, is a refusal. promtool on the
// hub still checks types (a range vector where an instant one is needed) before anything loads.
//
// The web UI's grammar is more lenient than Prometheus' own lexer (promql/parser/lex.go) in three
// ways a spec could use to get past `vigil validate` and fail on the hub instead (found by the
// canary's generated payloads: `-"$(\;<tab>` appended to an errorQuery): it takes a string left
// open at the end, any backslash escape, and any Unicode space between tokens. Those are checked
// here as lex.go does, and so is where a string may stand at all, since a string anywhere else is
// a type error promtool refuses ("binary expression must contain only scalar and instant vector
// types"): a label matcher's value, the string arguments of label_replace and label_join, and
// count_values' label name. And two checks of Prometheus' parser (parse.go) the grammar has no
// word for: a regex matcher's value compiles as RE2 (re2.ts, the check log-checks.ts uses for
// mtail: Prometheus 2.42 is built with Go 1.19 too), alone and anchored as Prometheus compiles it
// (labels/regexp.go: `^(?:` + value + `)$`), and a selector has at least one matcher that does not
// match the empty string (`{}` or `{job=~".*"}` would select every series).
import { parser } from "@prometheus-io/lezer-promql";
import type { RE2JS } from "re2js";
import { compileRe2, re2Error } from "./re2.ts";
import { LONE_SURROGATE } from "./unicode.ts";

/** Why a query is refused, and where: `offset` is a UTF-16 index into the query text. */
export interface PromqlError {
  offset: number;
  message: string;
}

/** Up to 24 characters of `text` from `offset`, for messages. */
function near(text: string, offset: number): string {
  const rest = text.slice(offset);
  return rest.length > 24 ? `${rest.slice(0, 24)}...` : rest;
}

/**
 * Parses `expr` as one complete PromQL expression. Returns undefined when it is one, else the
 * first problem with its offset in `expr`. Pure and cheap (no I/O); safe on any input.
 */
export function promqlError(expr: string): PromqlError | undefined {
  if (expr.trim() === "") return { offset: 0, message: "is an empty PromQL expression" };
  // lex.go refuses a rune that is not UTF-8: in a JavaScript string, half of a surrogate pair
  // (YAML's "\ud800"). lezer would end a string before it, with a less helpful message.
  const lone = LONE_SURROGATE.exec(expr);
  if (lone) return { offset: lone.index, message: "has half of a UTF-16 surrogate pair, which is no character" };
  const tree = parser.parse(expr);
  // One walk gathers three kinds of problem, each the first of its kind in the text, reported in
  // this order: what the grammar or lex.go refuses, then parse.go's selector checks (which need
  // valid strings), then a character between tokens lex.go does not take.
  let lexical: PromqlError | undefined;
  let selector: PromqlError | undefined;
  // The value of each string allowed where it stands, by its offset (for the selector checks), and
  // where every string stands (for the characters between tokens).
  const values = new Map<number, string>();
  const strings: [number, number][] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        lexical ??=
          node.from >= expr.trimEnd().length
            ? { offset: Math.min(node.from, expr.length), message: "PromQL expression ends early (an unclosed bracket or a missing operand)" }
            : { offset: node.from, message: `PromQL syntax error at ${JSON.stringify(near(expr, node.from))}` };
        return false;
      }
      if (node.name === "LineComment") {
        // vigil wraps the query (`sum(<query>)`): a comment would swallow the closing bracket.
        lexical ??= { offset: node.from, message: "has a # comment; a query must be the expression alone" };
        return false;
      }
      if (node.name === "StringLiteral") {
        strings.push([node.from, node.to]);
        const literal = expr.slice(node.from, node.to);
        const read = readPromqlString(literal);
        if ("message" in read) lexical ??= { offset: node.from + read.offset, message: `${read.message} in the string ${JSON.stringify(near(literal, 0))}` };
        else if (!stringAllowedAt(node.node))
          lexical ??= {
            offset: node.from,
            message: `has a string where PromQL takes a number or a series (${JSON.stringify(near(literal, 0))}); strings are label matcher values and the text arguments of label_replace, label_join and count_values`,
          };
        else values.set(node.from, read.value);
        return false;
      }
      return undefined;
    },
    leave(node) {
      // On leaving, its matchers' strings have been read: all of them, when nothing was refused yet.
      if (node.name === "VectorSelector" && !lexical) selector ??= selectorError(expr, node.node, values);
    },
  });
  if (lexical) return lexical;
  if (selector) return selector;
  const between = betweenTokensError(expr, strings);
  if (between) return between;
  // The grammar's top rule is one expression; make sure nothing else sits beside it.
  const top = tree.topNode;
  const children: { from: number; name: string }[] = [];
  for (let child = top.firstChild; child; child = child.nextSibling) children.push({ from: child.from, name: child.type.name });
  if (children.length !== 1) {
    const extra = children[1] ?? children[0] ?? { from: 0 };
    return { offset: extra.from, message: `is not one PromQL expression (more follows at ${JSON.stringify(near(expr, extra.from))})` };
  }
  return undefined;
}

interface NumericEscape {
  digits: number;
  pattern: RegExp;
  base: number;
  max: number;
  /** Characters between the backslash's letter and the digits: the letter itself, or none (octal). */
  skip: number;
}
const OCTAL_ESCAPE: NumericEscape = { digits: 3, pattern: /^[0-7]+$/, base: 8, max: 0xff, skip: 0 };
const HEX_DIGITS = /^[0-9a-fA-F]+$/;
/**
 * lex.go's escapes in "..." and '...' strings, by the character after the backslash: the text it
 * stands for, or how its digits are read (besides these, the string's own quote escapes itself).
 */
const ESCAPES: Record<string, string | NumericEscape> = {
  a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\",
  0: OCTAL_ESCAPE, 1: OCTAL_ESCAPE, 2: OCTAL_ESCAPE, 3: OCTAL_ESCAPE, 4: OCTAL_ESCAPE, 5: OCTAL_ESCAPE, 6: OCTAL_ESCAPE, 7: OCTAL_ESCAPE,
  x: { digits: 2, pattern: HEX_DIGITS, base: 16, max: 0xff, skip: 1 },
  u: { digits: 4, pattern: HEX_DIGITS, base: 16, max: 0x10ffff, skip: 1 },
  U: { digits: 8, pattern: HEX_DIGITS, base: 16, max: 0x10ffff, skip: 1 },
};

/**
 * A quoted PromQL string as lex.go reads it: its value, or why not (offset into the literal).
 * Closed by its own quote (on the same line: lezer's token already ends at a line break, leaving
 * it open); in "..." and '...' only the escapes of ESCAPES and the string's own quote, the
 * numeric ones naming a code point that is not a surrogate (\x and octal as Latin-1, at most
 * \377); a `...` string has no escapes.
 */
export function readPromqlString(literal: string): { value: string } | { offset: number; message: string } {
  const quote = literal[0]!;
  if (quote === "`") {
    const close = literal.indexOf("`", 1);
    if (close === -1) return { offset: literal.length, message: "PromQL string is not closed" };
    return close === literal.length - 1 ? { value: literal.slice(1, -1) } : { offset: close + 1, message: "PromQL string is followed by more text" };
  }
  let value = "";
  for (let i = 1; i < literal.length; i++) {
    const c = literal[i]!;
    if (c === quote) return i === literal.length - 1 ? { value } : { offset: i + 1, message: "PromQL string is followed by more text" };
    if (c !== "\\") {
      value += c;
      continue;
    }
    const e = literal[i + 1];
    if (e === undefined) break;
    const escape = e === quote ? quote : ESCAPES[e];
    if (escape === undefined) return { offset: i, message: `PromQL has no escape \\${e}` };
    if (typeof escape === "string") {
      value += escape;
      i++;
      continue;
    }
    const start = i + 1 + escape.skip;
    const digits = literal.slice(start, start + escape.digits);
    if (digits.length < escape.digits || !escape.pattern.test(digits)) return { offset: i, message: `PromQL escape \\${e} needs ${escape.digits} ${escape.base === 8 ? "octal" : "hex"} digits` };
    const code = parseInt(digits, escape.base);
    if (code > escape.max || (code >= 0xd800 && code < 0xe000)) return { offset: i, message: "PromQL escape names no valid character" };
    value += String.fromCodePoint(code);
    i = start + escape.digits - 1;
  }
  return { offset: literal.length, message: "PromQL string is not closed" };
}

type SyntaxNode = ReturnType<ReturnType<typeof parser.parse>["resolve"]>;

/** Where Prometheus' type checker takes a string (see the header). */
function stringAllowedAt(node: SyntaxNode): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if (parent.name === "UnquotedLabelMatcher") return true;
  if (parent.name !== "FunctionCallBody") return false;
  let index = 0;
  for (let sibling = node.prevSibling; sibling; sibling = sibling.prevSibling) index++;
  const call = parent.parent;
  const callee = call?.firstChild?.firstChild?.name;
  if (call?.name === "FunctionCall") return (callee === "LabelReplace" || callee === "LabelJoin") && index >= 1;
  if (call?.name === "AggregateExpr") return callee === "CountValues" && index === 0;
  return false;
}

/**
 * lex.go skips only spaces, tabs and line breaks between tokens and knows no character beyond
 * ASCII outside a string (2.42 has no quoted metric or label names); lezer also skips Unicode
 * spaces such as U+0085 and U+00A0. `strings`: where the string literals stand, in text order.
 */
function betweenTokensError(expr: string, strings: [number, number][]): PromqlError | undefined {
  // The text between one string's end and the next one's start, and after the last.
  let from = 0;
  for (const [start, end] of [...strings, [expr.length, expr.length] as const]) {
    for (let i = from; i < start; i++) {
      const c = expr.charCodeAt(i);
      if (c > 0x7e || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d))
        return { offset: i, message: `PromQL allows no character ${JSON.stringify(expr[i])} outside a string (U+${c.toString(16).toUpperCase().padStart(4, "0")})` };
    }
    from = end;
  }
  return undefined;
}

/**
 * parse.go's checks of one selector: its regexes compile, and one matcher excludes the empty
 * value. `values`: the value of each of its matchers' strings, by offset.
 */
function selectorError(expr: string, selector: SyntaxNode, values: Map<number, string>): PromqlError | undefined {
  let named = false;
  let selective = false;
  for (let child = selector.firstChild; child; child = child.nextSibling) {
    if (child.name === "Identifier") named = true;
    if (child.name !== "LabelMatchers") continue;
    for (let m = child.firstChild; m; m = m.nextSibling) {
      const op = m.getChild("MatchOp")?.firstChild?.name;
      const literal = m.getChild("StringLiteral");
      if (!op || !literal) continue;
      const value = values.get(literal.from)!;
      let matchesEmpty: boolean;
      if (op === "EqlRegex" || op === "NeqRegex") {
        const regex = compileRegexMatcher(value, expr.slice(literal.from, literal.to));
        if (regex.problem) return { offset: literal.from + regex.problem.offset, message: regex.problem.message };
        // matches() is a whole-string match.
        matchesEmpty = regex.compiled.matcher("").matches();
        if (op === "NeqRegex") matchesEmpty = !matchesEmpty;
      } else matchesEmpty = op === "EqlSingle" ? value === "" : value !== "";
      if (!matchesEmpty) selective = true;
    }
  }
  if (!named && !selective) return { offset: selector.from, message: "has a selector without a metric name or a matcher that excludes the empty value: it would select every series" };
  return undefined;
}

/**
 * A regex matcher's value compiled, or why Prometheus 2.42 refuses it (labels.NewFastRegexMatcher
 * parses it alone, then compiles `^(?:value)$`), with the offset into its literal: at the bad
 * character when the literal holds the value as written (no escapes), else at the literal.
 */
function compileRegexMatcher(value: string, literal: string): { compiled: RE2JS; problem?: undefined } | { compiled?: undefined; problem: PromqlError } {
  const asWritten = literal.slice(1, -1) === value;
  const alone = compileRe2(value, "Prometheus");
  if (alone.problem) {
    const { offset, message } = alone.problem;
    return { problem: { offset: asWritten ? 1 + offset : 0, message: `has a regex matcher Prometheus cannot compile (character ${offset + 1} of the regex): ${message}` } };
  }
  // Only a regex that does not end where it seems to fails here: \Q without \E quotes the
  // closing `)$` too; or one nesting level under the limit, which the group around it passes.
  const anchored = re2Error(`^(?:${value})$`, "Prometheus");
  if (anchored) return { problem: { offset: 0, message: `has a regex matcher Prometheus cannot compile once it anchors it as ^(?:regex)$: ${anchored.message}` } };
  return { compiled: alone.compiled };
}
