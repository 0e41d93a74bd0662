// Hostile specs: values an attacker would put in a pull request (shell, matcher and PromQL
// injection, path traversal, reserved names, extreme numbers). Each test/spec/hostile/<kind>.yaml
// is refused with exactly the located lines in <kind>.err; `vigil validate` exits 1 on every one
// of them without a stack trace. UPDATE_GOLDEN=1 rewrites the .err files (review the diff).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { runVigil } from "../run-vigil.ts";

const dir = "test/spec/hostile";
const cases = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
const LOCATED = /^test\/spec\/hostile\/[a-z0-9-]+\.yaml:[1-9]\d*:[1-9]\d* [^\s:][^:]*: \S/;

test("there are at least 25 hostile specs", () => {
  assert.ok(cases.length >= 25, `only ${cases.length} cases`);
});

for (const file of cases) {
  test(`refuses ${file} with located errors`, () => {
    const result = loadSpecFile(`${dir}/${file}`);
    assert.equal(result.ok, false, `${file} was accepted`);
    if (result.ok) return;
    const actual = formatErrors(result.errors) + "\n";
    const golden = `${dir}/${file.replace(/\.yaml$/, ".err")}`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, "utf8"));
    for (const line of actual.trimEnd().split("\n")) assert.match(line, LOCATED);
  });
}

test("vigil validate exits 1 on the hostile specs with their located lines and no stack trace", async () => {
  // One process for all files (one per file would cost a Node start each): stderr is every
  // file's errors in order, stdout summarises nothing.
  const r = await runVigil(["validate", ...cases.map((f) => `${dir}/${f}`)]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, cases.map((f) => readFileSync(`${dir}/${f.replace(/\.yaml$/, ".err")}`, "utf8")).join(""));
  assert.doesNotMatch(r.stderr, /^\s+at |node:internal|Error:/m);
});
