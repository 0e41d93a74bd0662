// Every object schema in schema/vigil.schema.json is closed: a key it does not name is refused,
// so no part of a spec escapes validation (a Record with only patternProperties let a receiver
// named "Ops Pager" through with its whole body unchecked).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

type Schema = { [key: string]: unknown };

/** JSON pointers of every object schema that leaves additional properties unchecked. */
export function openObjectSchemas(schema: unknown, at = "#"): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => openObjectSchemas(s, `${at}/${i}`));
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as Schema;
  const out: string[] = [];
  const isObject = s.type === "object" || (Array.isArray(s.type) && s.type.includes("object")) || "properties" in s || "patternProperties" in s;
  // Closed: additionalProperties false, or a schema for them together with a key schema.
  const closed = s.additionalProperties === false || (typeof s.additionalProperties === "object" && typeof s.propertyNames === "object");
  if (isObject && !closed) out.push(at);
  for (const [key, value] of Object.entries(s)) {
    if (key === "default" || key === "enum" || key === "const" || key === "examples") continue;
    out.push(...openObjectSchemas(value, `${at}/${key}`));
  }
  return out;
}

test("schema/vigil.schema.json has no open object schema", () => {
  const schema: unknown = JSON.parse(readFileSync("schema/vigil.schema.json", "utf8"));
  assert.deepEqual(openObjectSchemas(schema), []);
});

test("the walk finds an open map (the test can fail)", () => {
  const open = { type: "object", properties: { a: { type: "object", patternProperties: { "^x$": { type: "string" } } } }, additionalProperties: false };
  assert.deepEqual(openObjectSchemas(open), ["#/properties/a"]);
  assert.deepEqual(openObjectSchemas({ type: "object", propertyNames: { pattern: "^x$" } }), ["#"]);
  assert.deepEqual(openObjectSchemas({ anyOf: [{ type: "string" }, { type: "object", properties: {} }] }), ["#/anyOf/1"]);
});
