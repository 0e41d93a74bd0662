// Property tests: random mutations of a valid spec either validate or come back as located
// errors. The loader never throws, whatever it is given.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";

const prodText = readFileSync("stacks/prod.yaml", "utf8");
const prod: unknown = parse(prodText);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `value`. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function mutate(root: Json, path: (string | number)[], op: "set" | "delete" | "add", value: Json, key: string): Json {
  const copy = structuredClone(root);
  if (path.length === 0) return op === "set" ? value : copy;
  let parent: Json = copy;
  for (const part of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[part]!;
  const last = path[path.length - 1]!;
  const container = parent as Record<string | number, Json>;
  if (op === "set") container[last] = value;
  else if (op === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete container[last];
  } else if (container[last] !== null && typeof container[last] === "object" && !Array.isArray(container[last])) {
    (container[last] as Record<string, Json>)[key] = value;
  }
  return copy;
}

const allPaths = paths(prod as Json);

function assertLocated(text: string) {
  let result;
  try {
    result = loadSpecText(text, "mutant.yaml");
  } catch (err) {
    assert.fail(`loader threw on:\n${text}\n${String(err)}`);
  }
  if (result.ok) return;
  assert.ok(result.errors.length > 0);
  for (const e of result.errors) {
    assert.equal(e.file, "mutant.yaml");
    assert.ok(typeof e.message === "string" && e.message.length > 0);
    if (text.trim() !== "") assert.ok(e.line >= 1 && e.col >= 1, `unlocated: ${JSON.stringify(e)}`);
  }
}

test("structural mutations of stacks/prod.yaml validate or give located errors", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...allPaths),
      fc.constantFrom("set" as const, "delete" as const, "add" as const),
      fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
      fc.string({ maxLength: 12 }),
      (path, op, value, key) => assertLocated(stringify(mutate(prod as Json, path, op, value, key))),
    ),
    { numRuns: 400 },
  );
});

test("text mutations (deleted, inserted, swapped characters) never make the loader throw", () => {
  fc.assert(
    fc.property(
      fc.nat({ max: prodText.length }),
      fc.nat({ max: 40 }),
      fc.string({ maxLength: 8, unit: fc.constantFrom(":", "-", " ", "\n", "[", "{", "&", "*", "!", "#", "'", '"', "a", "1", "\t") }),
      (at, cut, insert) => assertLocated(prodText.slice(0, at) + insert + prodText.slice(at + cut)),
    ),
    { numRuns: 400 },
  );
});

test("a mutated but still valid spec keeps its defaults filled", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 98 }), fc.integer({ min: 0, max: 1 }), (warning, drop) => {
      const spec = structuredClone(prod) as Record<string, Json>;
      (spec.thresholds as Record<string, Record<string, Json>>).cpu = drop ? { warning } : { warning, critical: 99 };
      const r = loadSpecText(stringify(spec), "mutant.yaml");
      if (drop && warning >= 90) assert.ok(!r.ok);
      else {
        assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
        assert.equal(r.spec.thresholds.cpu.for, "5m");
      }
    }),
    { numRuns: 100 },
  );
});
