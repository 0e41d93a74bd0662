// User PromQL, checked at `vigil validate` with the Prometheus project's own grammar
// (@prometheus-io/lezer-promql, the parser of Prometheus' web UI). Every query a spec gives
// (SLO errorQuery/totalQuery, custom alert rule `expr`) goes through `promqlError` before it is
// placed in a rule file: a query that is not ONE complete expression could close the wrapper vigil
// puts around it (`sum(<query>)`) and append its own operators.
//
// lezer recovers from syntax errors instead of stopping: the tree then holds error nodes (⚠).
// Any error node, or a top node that is not a single expression, is a refusal. promtool on the
// hub still checks types (a range vector where an instant one is needed) before anything loads.
import { parser } from "@prometheus-io/lezer-promql";

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
  const tree = parser.parse(expr);
  let found: PromqlError | undefined;
  tree.iterate({
    enter(node) {
      if (found) return false;
      if (node.type.isError) {
        found =
          node.from >= expr.trimEnd().length
            ? { offset: Math.min(node.from, expr.length), message: "PromQL expression ends early (an unclosed bracket or a missing operand)" }
            : { offset: node.from, message: `PromQL syntax error at ${JSON.stringify(near(expr, node.from))}` };
        return false;
      }
      if (node.name === "LineComment") {
        // vigil wraps the query (`sum(<query>)`): a comment would swallow the closing bracket.
        found = { offset: node.from, message: "has a # comment; a query must be the expression alone" };
        return false;
      }
      return undefined;
    },
  });
  if (found) return found;
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
