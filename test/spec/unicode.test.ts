// Half of a UTF-16 surrogate pair (schema/unicode.ts LONE_SURROGATE), the one definition that
// cross-checks.ts (any spec string) and promql.ts (located inside a query) both use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LONE_SURROGATE } from "../../schema/unicode.ts";

test("a surrogate without its pair is found where it stands; a whole pair is a character", () => {
  for (const whole of ["", "abc", "😀", "a😀b😀", "\u{10FFFF}", "\ud7ff\ue000"]) assert.equal(LONE_SURROGATE.exec(whole), null, JSON.stringify(whole));
  const lone: [string, number][] = [
    ["\ud800", 0],
    ["ab\ud800", 2],
    ["\ud800x", 0],
    ["\udbff\ud800\udc00", 0],
    ["\udc00", 0],
    ["x\udfff", 1],
    // Low before high: neither is paired.
    ["\udc00\ud800", 0],
    ["😀\udc00", 2],
  ];
  for (const [text, index] of lone) assert.equal(LONE_SURROGATE.exec(text)?.index, index, JSON.stringify(text));
});
