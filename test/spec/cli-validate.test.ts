// `vigil validate` as users run it: exit codes, one summary line per good file, errors on stderr,
// never a stack trace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { runVigil } from "../run-vigil.ts";
import { scratchDir } from "../scratch-dir.ts";

const vigil = (...args: string[]) => runVigil(args);
const noStackTrace = (text: string) => assert.doesNotMatch(text, /^\s+at .+\(.*:\d+:\d+\)$|node:internal|Error:/m);

test("the example stacks validate, one summary line each", async () => {
  const r = await vigil("validate", "stacks/dev.yaml", "stacks/prod.yaml");
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /^stacks\/prod\.yaml: ok: prod \(fra1\): 2 hosts \(1 node, 1 hub\), 2 uptime checks, 3 SLOs, 3 routes to 4 receivers$/);
});

test("a bad spec exits 1 with file:line:col path: message on stderr", async () => {
  const r = await vigil("validate", "test/spec/bad/unknown-route-receiver.yaml");
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^test\/spec\/bad\/unknown-route-receiver\.yaml:27:33 alerts\.routes\[1\]\.to\[0\]: unknown receiver "opps"/);
  noStackTrace(r.stderr);
});

test("good and bad files together: exit 1, the good one still summarised", async () => {
  const r = await vigil("validate", "stacks/dev.yaml", "test/spec/bad/bad-region.yaml");
  assert.equal(r.code, 1);
  assert.match(r.stdout, /stacks\/dev\.yaml: ok/);
  assert.match(r.stderr, /bad-region\.yaml:4:9 region: must be one of/);
});

test("missing file, directory, empty file, binary junk: exit 1 with one clear line, no stack trace", async () => {
  const dir = scratchDir("vigil-validate-");
  writeFileSync(join(dir, "empty.yaml"), "");
  writeFileSync(join(dir, "junk.yaml"), Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x7b, 0x3a, 0x5b]));
  for (const [target, pattern] of [
    [join(dir, "missing.yaml"), /missing\.yaml: cannot read spec: no such file/],
    [dir, /is a directory/],
    [join(dir, "empty.yaml"), /empty\.yaml: is empty/],
    [join(dir, "junk.yaml"), /junk\.yaml/],
  ] as const) {
    const r = await vigil("validate", target);
    assert.equal(r.code, 1, `${target}: ${r.stdout}`);
    assert.match(r.stderr, pattern);
    noStackTrace(r.stderr);
  }
});

test("no arguments and unknown options are usage errors", async () => {
  assert.equal((await vigil("validate")).code, 1);
  assert.match((await vigil("validate", "--strict", "stacks/dev.yaml")).stderr, /unknown option --strict/);
  assert.equal((await vigil("frobnicate")).code, 1);
});
