// User PromQL at validate time (schema/promql.ts): one complete expression or a located refusal
// that says why. The offset is where `vigil validate` points inside the query.
import { test } from "node:test";
import assert from "node:assert/strict";
import { promqlError } from "../../schema/promql.ts";

const ENDS_EARLY = "PromQL expression ends early (an unclosed bracket or a missing operand)";

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
