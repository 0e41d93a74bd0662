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

test("rule templates: string literals may hold }} and |, trim markers are not words, every action is checked", () => {
  for (const ok of [
    '{{ printf "%s}}" $value }}',
    "{{ printf `}} |` $value }}",
    '{{ reReplaceAll "a|b" "c" $labels.x }}',
    "{{- $value -}}",
    "{{ $value -}} then {{- $value }}",
    "{{ $value }}{{ $labels.x }}",
    "{{ 0.5 }} {{ -1 }}",
    "} {{ $value }} }",
    "{{$value}}",
    'the value "{{ $value }}" and \'{{ $labels.x }}\' in quotes of the text',
  ]) {
    assert.equal(templateError(ok), undefined, ok);
  }
});

test("rule templates: each refusal quotes the action as written", () => {
  const FUNCTIONS = "humanize, humanize1024, humanizeDuration, humanizePercentage, humanizeTimestamp, title, toUpper, toLower, printf, reReplaceAll, stripPort, stripDomain";
  const cases: [string, string][] = [
    ['{{ printf "unclosed }}', 'unclosed template action "{{" (write {{ "{{" }} for literal braces)'],
    ["{{ printf `unclosed }}", 'unclosed template action "{{" (write {{ "{{" }} for literal braces)'],
    ["{{", 'unclosed template action "{{" (write {{ "{{" }} for literal braces)'],
    ["{{ $value } }}", 'template action "{{ $value } }}": "}" is not a label, $value, a literal or a function'],
    ["{{}}", 'empty template action or command in "{{}}"'],
    ["{{- -}}", 'empty template action or command in "{{- -}}"'],
    ["ok {{ $value }} then {{ | $value }}", 'empty template action or command in "{{ | $value }}"'],
    ["x {{ {{ $value }}", 'template action "{{ {{ $value }}" holds "{{"'],
    ["{{ $value }} {{ query \"up\" }}", `template action "{{ query "up" }}": "query" is not one of the template functions vigil allows (${FUNCTIONS})`],
    ["a {{ $value | $(id) }}", 'template action "{{ $value | $(id) }}": "$(id)" is not a label, $value, a literal or a function'],
    // Backslash escapes in a literal are not taken (words are quotes without \\): refused.
    ['{{ printf "%s" "a\\"b" }}', 'unclosed template action "{{" (write {{ "{{" }} for literal braces)'],
    ["{{ printf `}} {{` $value }}", 'template action "{{ printf `}} {{` $value }}" holds "{{"'],
  ];
  for (const [text, message] of cases) assert.equal(templateError(text), message, text);
});
