// Golden error messages: each test/spec/bad/<kind>.yaml must be rejected with exactly the lines in
// <kind>.err. UPDATE_GOLDEN=1 rewrites the .err files (review the diff before committing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";

const dir = "test/spec/bad";
const cases = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();

test("there are at least 15 kinds of bad spec", () => {
  assert.ok(cases.length >= 15, `only ${cases.length} cases`);
});

for (const file of cases) {
  test(`rejects ${file} with located errors`, () => {
    const result = loadSpecFile(`${dir}/${file}`);
    assert.equal(result.ok, false, `${file} was accepted`);
    if (result.ok) return;
    const actual = formatErrors(result.errors) + "\n";
    const golden = `${dir}/${file.replace(/\.yaml$/, ".err")}`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, "utf8"));
    for (const e of result.errors) {
      assert.ok(e.message.length > 10, `terse message: ${e.message}`);
      if (file !== "empty-file.yaml") assert.ok(e.line > 0, `no line for ${e.path}: ${e.message}`);
    }
  });
}

test("several problems in one file are all reported", () => {
  const result = loadSpecFile(`${dir}/several-errors.yaml`);
  assert.ok(!result.ok && result.errors.length >= 2);
});
