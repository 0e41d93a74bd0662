// RE2 as Go 1.19's regexp reads it (schema/re2.ts): where re2js, a port of newer RE2, takes more
// than mtail and Prometheus on Debian 12 do. Both readers' own verdicts are compared in
// test/hub-role/promql-promtool.test.ts (promtool) and test/node-role/mtail.test.ts (mtail).
import { test } from "node:test";
import assert from "node:assert/strict";
import { re2Error } from "../../schema/re2.ts";

const NO_CLASS = (reader: string, name: string) => `${reader} RE2 (Go 1.19) has no class \\p{${name}}: only Unicode 13's scripts, the general categories but Cn and LC, and Any`;

test("named groups: (?P<name>...) only, in the words of the reader", () => {
  assert.deepEqual(re2Error("a(?<n>b)", "mtail"), { offset: 1, message: "named groups are written (?P<name>...) in mtail's RE2 (Go 1.19)" });
  assert.deepEqual(re2Error("a(?<n>b)", "Prometheus"), { offset: 1, message: "named groups are written (?P<name>...) in Prometheus' RE2 (Go 1.19)" });
  assert.deepEqual(re2Error("(?<=a)", "Prometheus"), { offset: 0, message: "lookahead and lookbehind are not RE2: Prometheus cannot run them" });
  assert.equal(re2Error("(?P<n>b)", "Prometheus"), undefined);
});

test("Unicode classes: Go 1.19's names pass, newer scripts, Cn, LC and properties are refused where they stand", () => {
  for (const ok of ["\\p{Greek}", "\\pL", "\\PL", "\\p{^Greek}", "\\P{Lu}", "[\\p{Han}a]", "\\p{Any}", "\\p{Zanabazar_Square}", "\\p{Yezidi}", "\\pN+"]) {
    assert.equal(re2Error(ok, "Prometheus"), undefined, ok);
  }
  const refused: [string, number, string][] = [
    ["\\p{Kawi}", 0, "Kawi"],
    ["ab\\p{Nag_Mundari}", 2, "Nag_Mundari"],
    ["\\P{Vithkuqi}", 0, "Vithkuqi"],
    // A negated name is looked up without its ^.
    ["\\p{^Toto}", 0, "Toto"],
    ["[a\\p{Emoji}]", 2, "Emoji"],
    ["\\p{Greek}\\p{Cn}", 9, "Cn"],
    ["\\p{LC}", 0, "LC"],
    ["\\p{Assigned}", 0, "Assigned"],
    // A class after an escaped backslash, and after a \Q...\E quote, is still looked at.
    ["\\\\\\p{Kawi}", 2, "Kawi"],
    ["\\Qa\\E\\p{Kawi}", 5, "Kawi"],
  ];
  for (const [regex, offset, name] of refused) assert.deepEqual(re2Error(regex, "Prometheus"), { offset, message: NO_CLASS("Prometheus'", name) }, regex);
  assert.deepEqual(re2Error("\\p{Kawi}", "mtail"), { offset: 0, message: NO_CLASS("mtail's", "Kawi") });
  // Not classes: an escaped backslash before p, and text quoted by \Q...\E (closed or not, first
  // or not, anywhere in the quote).
  for (const literal of ["\\\\p{Kawi}", "\\Q\\p{Kawi}\\E", "\\Q\\p{Kawi}", "a\\\\\\\\p{Kawi}", "\\Qx\\E\\Q\\p{Kawi}\\E", "\\Qab\\p{Kawi}\\E"]) assert.equal(re2Error(literal, "mtail"), undefined, literal);
});

test('a [ inside a class before ":]" with no ":]" further on is a literal [, as in Go; the errors after it keep their place', () => {
  // re2js looks for a POSIX class's closing ":]" from the [ on and refuses the name "[:]"; Go
  // looks from the character after the colon, finds none, and reads the [ as a class member.
  for (const ok of ["[[:]", "[a[:]", "[[:]]", "[:\\pL[:]*\\!", "[\\\\[:]"]) assert.equal(re2Error(ok, "Prometheus"), undefined, ok);
  // With a ":]" further on, Go too reads a class name, and no name starts "[:]".
  assert.deepEqual(re2Error("[a[:]b[:]", "Prometheus"), { offset: 2, message: 'not a valid RE2 regex: invalid character class range at "[:]"' });
  // The message names the class as written, not as retried.
  assert.deepEqual(re2Error("x[[:]:]", "Prometheus"), { offset: 2, message: 'not a valid RE2 regex: invalid character class range at "[:]"' });
  // Only re2js's "[:]" is retried: a regex whose last ":]" follows another error stays refused.
  assert.deepEqual(re2Error("*:]", "Prometheus"), { offset: 0, message: 'not a valid RE2 regex: missing argument to repetition operator at "*"' });
  assert.deepEqual(re2Error("[[:]b:]", "Prometheus"), { offset: 1, message: 'not a valid RE2 regex: invalid character class range at "[:]"' });
  // Errors after the literal [ are found at their place in the regex as written.
  assert.deepEqual(re2Error("[[:]](", "mtail"), { offset: 5, message: "not a valid RE2 regex: missing closing )" });
  assert.deepEqual(re2Error("[[:]]{1001}", "mtail"), { offset: 5, message: 'not a valid RE2 regex: invalid repeat count at "{1001}"' });
  assert.equal(re2Error("[[:]\\p{Kawi}", "mtail")?.offset, 4);
  // Outside a class, [:] is the class of the colon alone.
  assert.equal(re2Error("[:]", "mtail"), undefined);
});

test("(?=, (?<name and \\p{...} inside a [...] class or a \\Q...\\E quote are characters, as Go reads them", () => {
  // Each found by the generated matchers against promtool: a text search had refused them.
  for (const ok of ["[(?=]", "0[:(?=]=", "#[(?<=Kawi0:]=a", "\\Q(?<n>\\E", "Kawi|10FFFF*\\Q\\p{(?=\\E$", "\\Q\\p{Kawi}", "[[:alpha:](?!]", "[]\\(?=]"]) {
    assert.equal(re2Error(ok, "Prometheus"), undefined, ok);
  }
  // Outside them they are syntax still, found at their place.
  assert.equal(re2Error("[(]x(?=y)", "mtail")?.offset, 4);
  assert.equal(re2Error("\\Qa\\E(?<n>b)", "mtail")?.offset, 5);
  assert.equal(re2Error("[^]](?<!a)", "mtail")?.offset, 4);
  assert.equal(re2Error("\\\\(?=a)", "mtail")?.offset, 2);
  assert.equal(re2Error("\\Q(\\E(", "mtail")?.offset, 5);
  assert.equal(re2Error("((?=a))", "mtail")?.offset, 1);
  // A class ends at its first ] (not a leading one): [: starts a POSIX name only there.
  for (const [regex, offset] of [["[a]:](?=x)", 5], ["[[a]:](?=x)", 6], ["[[:alpha:]](?=x)", 11], ["[a:](?=x):]", 4]] as const) {
    assert.deepEqual(re2Error(regex, "mtail"), { offset, message: "lookahead and lookbehind are not RE2: mtail cannot run them" }, regex);
  }
});
