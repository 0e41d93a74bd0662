// Rule texts are Prometheus templates: validate accepts what rules need and refuses the rest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { templateError } from "../../schema/prom-template.ts";

test("rule templates: labels, $value, literals and formatting functions pass", () => {
  for (const ok of [
    "plain text, no action",
    "p95 of {{ $labels.app }} on {{ $labels.host }} is {{ $value | humanizeDuration }}",
    "{{ $value | humanizePercentage }} fail",
    '{{- printf "%.2f" $value -}} s',
    "{{ .Labels.instance }} {{ .Value }}",
    "closing braces alone }} are text",
  ]) {
    assert.equal(templateError(ok), undefined, ok);
  }
});

test("rule templates: unclosed, empty, unknown words and data-reaching functions are refused", () => {
  const cases: [string, RegExp][] = [
    ["touch CANARY\\{{", /unclosed template action/],
    ["{{ }}", /empty template action/],
    ["{{ $value | }}", /empty template action or command/],
    ['{{ query "up" }}', /not one of the template functions/],
    ["{{ touch }}", /not one of the template functions/],
    ["{{ $(touch CANARY) }}", /is not a label, \$value, a literal or a function/],
    ["{{ {{ }}", /holds "\{\{"/],
    ["{{ $labels.app }} then {{ tmpl \"x\" . }}", /not one of the template functions|is not a label/],
  ];
  for (const [text, message] of cases) assert.match(templateError(text) ?? "accepted", message, text);
});
