// Log-source regexes as mtail (Go 1.19's RE2) reads them (schema/re2.ts re2Error): each
// refusal says why and points at the character `vigil validate` shows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { re2Error } from "../../schema/re2.ts";

const LOOKAROUND = "lookahead and lookbehind are not RE2: mtail cannot run them";
const UNCLOSED = "not a valid RE2 regex: missing closing )";

test("lookarounds are refused by name; an escaped ( is a literal, an escaped backslash is not an escape", () => {
  assert.deepEqual(re2Error("x(?=y)", "mtail"), { offset: 1, message: LOOKAROUND });
  assert.deepEqual(re2Error("x(?!y)", "mtail"), { offset: 1, message: LOOKAROUND });
  assert.deepEqual(re2Error("x(?<=y)", "mtail"), { offset: 1, message: LOOKAROUND });
  // \( is a literal paren, ? makes it optional, =b is text: valid RE2.
  assert.equal(re2Error("a\\(?=b", "mtail"), undefined);
  // \\ is a literal backslash, so the ( after it opens a real lookahead.
  assert.deepEqual(re2Error("a\\\\(?=b)", "mtail"), { offset: 3, message: LOOKAROUND });
});

test("an unclosed ( is located at the first one never closed, past escapes, classes and closed groups", () => {
  assert.deepEqual(re2Error("(abc", "mtail"), { offset: 0, message: UNCLOSED });
  assert.deepEqual(re2Error("(a)(b", "mtail"), { offset: 3, message: UNCLOSED });
  assert.deepEqual(re2Error("a\\(b(c", "mtail"), { offset: 4, message: UNCLOSED });
  assert.deepEqual(re2Error("[a(]x(y", "mtail"), { offset: 5, message: UNCLOSED });
  // A ] first in a class (after [ or [^) is a literal: the class ends at the next ].
  assert.deepEqual(re2Error("[]a(]x(y", "mtail"), { offset: 6, message: UNCLOSED });
  assert.deepEqual(re2Error("[^]a(]x(y", "mtail"), { offset: 7, message: UNCLOSED });
  assert.deepEqual(re2Error("[^a](y", "mtail"), { offset: 4, message: UNCLOSED });
  // An escaped ] first in a class does not end it.
  assert.deepEqual(re2Error("[\\]a(]x(y", "mtail"), { offset: 7, message: UNCLOSED });
});
