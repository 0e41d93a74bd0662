// Where vigil points (schema/locate.ts): YAML text to data with line:col for any path, for a
// character inside a string value (a PromQL error within a query, through quotes, escapes and
// block indentation), and ajv's errors turned into one readable message each. An editor jumps to
// these positions, so each is asserted exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLocated } from "../../schema/locate.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";

const WHAT = "a test document";

/** The located error lines of a YAML text that does not parse to data. */
function refused(text: string): string[] {
  const r = parseLocated(text, "y.yaml", WHAT);
  assert.equal(r.ok, false, "parsed");
  return r.ok ? [] : formatErrors(r.errors).split("\n");
}

/** `line:col` of `path` in `text` (of its key with `key`, of character `offset` of its string value). */
function where(text: string, path: (string | number)[], key = false, offset?: number): string {
  const r = parseLocated(text, "y.yaml", WHAT);
  assert.ok(r.ok, r.ok ? "" : formatErrors(r.errors));
  const { line, col } = r.locate(path, key, offset);
  return `${line}:${col}`;
}

test("documents: one per file; an empty file has no position, a null document is located", () => {
  assert.deepEqual(refused("a: 1\n---\nb: 2\n"), ["y.yaml:2:1: holds several YAML documents; one per file"]);
  assert.deepEqual(refused(""), [`y.yaml: is empty; expected ${WHAT}`]);
  assert.deepEqual(refused("# only a comment\n"), [`y.yaml: is empty; expected ${WHAT}`]);
  assert.deepEqual(refused("# a comment\n  ~\n"), [`y.yaml:2:3: is empty; expected ${WHAT}`]);
  assert.deepEqual(refused("null\n"), [`y.yaml:1:1: is empty; expected ${WHAT}`]);
});

test("YAML errors: syntax and duplicate keys located; aliases that do not resolve point at the alias", () => {
  assert.deepEqual(refused("a: 1\na: 2\n"), ["y.yaml:2:1: YAML: Map keys must be unique"]);
  assert.deepEqual(refused("a: 1\nb: [1, 2\n"), ["y.yaml:3:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
  assert.deepEqual(refused("a: &x 1\nb: 2\nc: *nope\n"), ['y.yaml:3:4: YAML: Unresolved alias (the anchor must be set before the alias): nope']);
  // An alias bomb: the message names no alias, so it points at the document.
  const bomb = ["a: &zz1 [x, x, x, x, x, x, x, x, x, x]", `b: &zz2 [${Array(10).fill("*zz1").join(", ")}]`, `c: &zz3 [${Array(10).fill("*zz2").join(", ")}]`, "d: [*zz3, *zz3, *zz3]"].join("\n");
  assert.deepEqual(refused(`# bomb\n${bomb}\n`), ["y.yaml:2:1: YAML: Excessive alias count indicates a resource exhaustion attack"]);
});

test("paths: values and keys in block and flow mappings, list items, a key without a value, and the deepest ancestor of what is missing", () => {
  const text = ["top:", "  name: web", "  flow: { a: 1, b: [x, y] }", "  empty:", "  list:", "    - first", "    - { k: v }"].join("\n");
  assert.equal(where(text, []), "1:1");
  assert.equal(where(text, ["top", "name"]), "2:9");
  assert.equal(where(text, ["top", "name"], true), "2:3");
  assert.equal(where(text, ["top", "flow", "b", 1]), "3:24");
  assert.equal(where(text, ["top", "flow", "b"], true), "3:17");
  assert.equal(where(text, ["top", "flow", "b"]), "3:20");
  // A key with no value: its (empty) value just after the colon.
  assert.equal(where(text, ["top", "empty"]), "4:9");
  assert.equal(where(text, ["top", "list", 1, "k"]), "7:12");
  // Missing: the deepest part that exists (the list for an index past its end, the map for a key).
  assert.equal(where(text, ["top", "list", 5, "k"]), "6:5");
  assert.equal(where(text, ["top", "flow", "nope"]), "3:9");
  // A path that goes on below a scalar stops at the scalar; a number does not index a map.
  assert.equal(where(text, ["top", "name", "deeper"]), "2:9");
  assert.equal(where(text, ["top", 0]), "2:3");
  // The key flag applies to the path's last part only, also when an outer key has its name.
  assert.equal(where("a:\n  a: 1\n", ["a", "a"], true), "2:3");
  assert.equal(where("a:\n  a: 1\n", ["a"], true), "1:1");
});

test("a character inside a string value: plain, single-quoted with '', double-quoted with every escape width", () => {
  assert.equal(where("q: up + (x\n", ["q"], false, 5), "1:9");
  assert.equal(where("q: up\n", ["q"], false, 40), "1:6");
  assert.equal(where("q: up\n  + (x\n", ["q"], false, 5), "1:4");
  // 'it''s (x': value "it's (x"; its "(" is character 5, at column 4 + 1 + 6.
  assert.equal(where("q: 'it''s (x'\n", ["q"], false, 5), "1:11");
  assert.equal(where("q: 'ab'\n", ["q"], false, 10), "1:7");
  assert.equal(where("q: 'a\n  b'\n", ["q"], false, 2), "1:4");
  // "\x41\u00e9\U0001F600\U00000041\t(x": A, é, 😀 (two UTF-16 units), A, tab, then "(" at character 6.
  const dq = 'q: "\\x41\\u00e9\\U0001F600\\U00000041\\t(x"\n';
  assert.equal(where(dq, ["q"], false, 6), `1:${dq.indexOf("(x") + 1}`);
  assert.equal(where(dq, ["q"], false, 3), `1:${dq.indexOf("\\U00000041") + 1}`);
  assert.equal(where('q: "ab"\n', ["q"], false, 10), "1:7");
  assert.equal(where('q: "a\n  b"\n', ["q"], false, 2), "1:4");
});

test("a character inside a block scalar: literal blocks by line and column past the indentation; folded blocks at their start", () => {
  const literal = ["q: |", "    first line", "", "      indented", "    (x"].join("\n");
  // value "first line\n\n  indented\n(x": "(" is line 3 of the value, column 0.
  assert.equal(where(literal, ["q"], false, "first line\n\n  indented\n".length), "5:5");
  assert.equal(where(literal, ["q"], false, "first line\n\n  in".length), "4:9");
  assert.equal(where(literal, ["q"], false, 3), "2:8");
  assert.equal(where(["q: >", "    folded", "    (x"].join("\n"), ["q"], false, 8), "1:4");
});

/** The located error lines of a spec text (a small valid spec with `extra` lines appended). */
function specErrors(extra: string, host = "{ name: app-1, roles: [node, hub] }"): string[] {
  const text = [
    "version: 1",
    "environment: prod",
    "project: p",
    "region: fra1",
    "hosts:",
    `  - ${host}`,
    "alerts:",
    '  receivers: { hook: { webhook: { url: "https://hooks.example.com/a" } } }',
    "  routes: [{ to: [hook] }]",
    extra,
  ].join("\n");
  const r = loadSpecText(text, "s.yaml");
  assert.equal(r.ok, false, "accepted");
  return r.ok ? [] : formatErrors(r.errors).split("\n");
}

test("schema errors in words: repeated items, empty maps, alternatives, types, numbers, reserved and unknown names", () => {
  assert.deepEqual(specErrors("uptime:\n  - { name: api, url: https://api.example.com/, regions: [eu_west, eu_west] }"), [
    "s.yaml:11:58 uptime[0].regions: must not repeat items (items 1 and 0 are the same)",
  ]);
  assert.deepEqual(specErrors("maintenance:\n  - { name: w, times: [\"01:00-02:00\"], match: {} }"), [
    "s.yaml:11:47 maintenance[0].match: must have mute alerts carrying all these labels",
  ]);
  assert.deepEqual(specErrors("access:\n  sshKeys: [{ label: x }]"), [
    's.yaml:11:13 access.sshKeys[0]: must be an OpenSSH public key line (type, base64 key, then an optional comment without control characters), { fingerprint: aa:bb:... } or { name: NAME } (got {"label":"x"})',
  ]);
  assert.deepEqual(specErrors("intervals: [15s]\nthresholds: { cpu: null }\nuptime: { a: 1 }"), [
    "s.yaml:10:12 intervals: must be a mapping, got a list",
    "s.yaml:11:20 thresholds.cpu: must be a mapping, got null",
    "s.yaml:12:9 uptime: must be a list, got a mapping",
  ]);
  assert.deepEqual(specErrors("stack: { nodeExporter: { enabled: 1 } }\nthresholds: { diskFillHours: 9000 }"), [
    "s.yaml:10:35 stack.nodeExporter.enabled: must be a boolean, got number",
    "s.yaml:11:30 thresholds.diskFillHours: must be <= 8760 (got 9000)",
  ]);
  assert.deepEqual(specErrors('maintenance:\n  - { name: w, times: ["01:00-02:00"], match: { __x: y, Vigil.team: z } }'), [
    's.yaml:11:49 maintenance[0].match.__x: "__x" is not a valid label name: must be a Prometheus label name (letters, digits and _, not starting with __, which Prometheus reserves)',
    's.yaml:11:57 maintenance[0].match["Vigil.team"]: label name "Vigil.team" is reserved: vigil.* names belong to vigil',
  ]);
  assert.deepEqual(specErrors("alerts2: 1\nhostz: []"), [
    's.yaml:10:1 alerts2: unknown field "alerts2" (expected one of: version, environment, project, region, vpc, access, hosts, stack, intervals, thresholds, uptime, slos, alerts, cloudAlerts, maintenance, rules, remoteWrite, heartbeats)',
    's.yaml:11:1 hostz: unknown field "hostz" (expected one of: version, environment, project, region, vpc, access, hosts, stack, intervals, thresholds, uptime, slos, alerts, cloudAlerts, maintenance, rules, remoteWrite, heartbeats)',
  ]);
});

test("no position is line 0, column 0; YAML warnings other than duplicate keys do not refuse a file", () => {
  const r = parseLocated("", "y.yaml", WHAT);
  assert.deepEqual(r, { ok: false, errors: [{ file: "y.yaml", line: 0, col: 0, path: "", message: `is empty; expected ${WHAT}` }] });
  // An unknown tag is a YAML warning: the value is read as plain text.
  const tagged = parseLocated("a: !custom 1\n", "y.yaml", WHAT);
  assert.ok(tagged.ok, tagged.ok ? "" : formatErrors(tagged.errors));
});

test("paths that go past a scalar stop at it, also with an offset or a number; escapes counted per UTF-16 unit", () => {
  const text = "top:\n  name: web\n";
  assert.equal(where(text, ["top", "name", 0]), "2:9");
  assert.equal(where(text, ["top", "name", "deeper"], false, 2), "2:9");
  assert.equal(where("q: 'x'' (y'\n", ["q"], false, 3), "1:9");
  // \u00e9 then the letters ABCD (not part of the escape), \U0000FFFF is one unit, \U00010000 two.
  const dq = 'q: "\\u00e9ABCD\\U0000FFFF\\U00010000 (x"\n';
  assert.equal(where(dq, ["q"], false, 9), `1:${dq.indexOf("(x") + 1}`);
  assert.equal(where('q: "\\U0001F600(x"\n', ["q"], false, 2), "1:15");
  // An offset into a value that is not a string points at the value.
  assert.equal(where("q: 12345\n", ["q"], false, 3), "1:4");
});

test("block scalars: an offset at a line end, and blank lines of spaces do not count as indentation", () => {
  const literal = ["q: |", "    first line", "  ", "    (x"].join("\n");
  assert.equal(where(literal, ["q"], false, "first line".length), "2:15");
  assert.equal(where(literal, ["q"], false, "first line\n\n".length), "4:5");
});

test("schema errors: map keys with ~ or digits, indexes past 9, keys of no known kind, secrets given as numbers, patterns without words, list bounds", () => {
  assert.deepEqual(
    specErrors('remoteWrite:\n  - { name: a, url: "https://x.example.com/w", headers: { "1x~y": "a\\nb", Xvigil.a: ok, "X: b": c, "x vigil.y": d } }'),
    [
      's.yaml:11:67 remoteWrite[0].headers["1x~y"]: must be header value (not a secret: credentials go in bearerToken or basicAuth) (got "a\\nb")',
      "s.yaml:11:89 remoteWrite[0].headers[\"X: b\"]: \"X: b\" is not a valid name: must be like /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/",
      // Only a name that starts with vigil. is reserved.
      "s.yaml:11:100 remoteWrite[0].headers[\"x vigil.y\"]: \"x vigil.y\" is not a valid name: must be like /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/",
    ],
  );
  assert.deepEqual(specErrors("uptime:\n  - { name: api, url: https://api.example.com/, expectStatus: [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 600] }"), [
    "s.yaml:11:114 uptime[0].expectStatus[10]: must be <= 599 (got 600)",
  ]);
  assert.deepEqual(specErrors("remoteWrite:\n  - { name: a, url: https://x.example.com/w, bearerToken: 5 }"), ["s.yaml:11:59 remoteWrite[0].bearerToken: must be a mapping, got number"]);
  assert.deepEqual(specErrors('maintenance:\n  - { name: w, weekdays: [], hosts: [app-1] }', '{ name: app-1, roles: [node, hub], services: ["my unit"] }'), [
    's.yaml:6:51 hosts[0].services[0]: must be like /^[A-Za-z0-9@:._-]+$/ (got "my unit")',
    // A list's data is not quoted back.
    "s.yaml:11:26 maintenance[0].weekdays: must NOT have fewer than 1 items",
  ]);
});
