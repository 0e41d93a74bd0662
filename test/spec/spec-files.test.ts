// Reading a spec file (schema/load-spec.ts loadSpecFile): what cannot be read is one clear line
// naming the file (no position: there is no text to point into), as `vigil validate` prints it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { defaultVpcRange } from "../../schema/vpc-range.ts";

function refused(file: string): string {
  const r = loadSpecFile(file);
  assert.equal(r.ok, false, `${file} was accepted`);
  return r.ok ? "" : formatErrors(r.errors);
}

test("a directory, a missing file, a path through a file: one line each, no position", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-spec-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "file.yaml"), "version: 1\n");
  assert.equal(refused(dir), `${dir}: is a directory; give a spec file such as stacks/prod.yaml`);
  assert.equal(refused(join(dir, "missing.yaml")), `${join(dir, "missing.yaml")}: cannot read spec: no such file`);
  // A write-only sysctl file: reading it is refused even to root (these tests run as root).
  assert.equal(refused("/proc/sys/vm/compact_memory"), "/proc/sys/vm/compact_memory: cannot read spec: permission denied");
  // Any other reason is named by its code.
  assert.equal(refused(join(dir, "file.yaml", "x.yaml")), `${join(dir, "file.yaml", "x.yaml")}: cannot read spec: ENOTDIR`);
});

test("a document that is not a mapping: located at the document", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-spec-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [text, where] of [["# a list\n- version: 1\n", "2:1"], ["just text\n", "1:1"], ["42\n", "1:1"]] as const) {
    writeFileSync(join(dir, "s.yaml"), text);
    assert.equal(refused(join(dir, "s.yaml")), `${join(dir, "s.yaml")}:${where}: must be a mapping of spec fields (version, environment, hosts, ...)`);
  }
});

test("a spec without vpc.ipRange gets the /24 derived from project and environment; a given one is kept", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-spec-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const spec = (vpc: string) =>
    `version: 1\nenvironment: prod\nproject: p\nregion: fra1\n${vpc}hosts: [{ name: a, roles: [node, hub] }]\nalerts: { receivers: { h: { webhook: { url: "https://h.example.com/" } } }, routes: [{ to: [h] }] }\n`;
  writeFileSync(join(dir, "s.yaml"), spec(""));
  const derived = loadSpecFile(join(dir, "s.yaml"));
  assert.ok(derived.ok, derived.ok ? "" : formatErrors(derived.errors));
  assert.equal(derived.spec.vpc.ipRange, defaultVpcRange("p", "prod"));
  writeFileSync(join(dir, "s.yaml"), spec("vpc: { ipRange: 10.99.0.0/24 }\n"));
  const given = loadSpecFile(join(dir, "s.yaml"));
  assert.ok(given.ok, given.ok ? "" : formatErrors(given.errors));
  assert.equal(given.spec.vpc.ipRange, "10.99.0.0/24");
});
