// Golden renders: what `vigil render` writes for each stacks/*.yaml, file by file, is checked in
// under test/golden/<env>/. A change to a renderer shows up as a reviewable diff there.
// UPDATE_GOLDEN=1 rewrites the golden trees (review `git diff test/golden` before committing).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { AGENT_DIR } from "../../provisioning/node/agent.ts";
import { renderTree } from "../../provisioning/render-tree.ts";
import { runVigil } from "../run-vigil.ts";
import { scratchDir } from "../scratch-dir.ts";

/** Files larger than this are checked through their sha256 in plan.json. */
const GOLDEN_MAX_BYTES = 64 * 1024;
/** So is the agent `npm run build` bundles (minified: a diff of it reviews nothing). */
const built = (path: string) => path.includes(`${AGENT_DIR}/`);

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

for (const env of readdirSync("stacks").filter((f) => f.endsWith(".yaml")).map((f) => f.replace(/\.yaml$/, ""))) {
  test(`render of stacks/${env}.yaml matches test/golden/${env}`, () => {
    const loaded = loadSpecFile(`stacks/${env}.yaml`);
    assert.ok(loaded.ok);
    const tree = [...renderTree(loaded.spec, offlineContext(loaded.spec))].filter(([p, c]) => Buffer.byteLength(c) <= GOLDEN_MAX_BYTES && !built(p));
    const goldenDir = `test/golden/${env}`;
    if (process.env.UPDATE_GOLDEN) {
      rmSync(goldenDir, { recursive: true, force: true });
      for (const [path, content] of tree) {
        mkdirSync(dirname(join(goldenDir, path)), { recursive: true });
        writeFileSync(join(goldenDir, path), content);
      }
    }
    assert.deepEqual(listFiles(goldenDir), tree.map(([p]) => p).sort(), "the set of rendered files changed");
    for (const [path, content] of tree) assert.equal(content, readFileSync(join(goldenDir, path), "utf8"), `${path} differs from its golden copy`);
  });
}

test("vigil render is byte-identical across runs and writes no secret file", async () => {
  const out = scratchDir("vigil-render-");
  const run = async (dir: string) => {
    const r = await runVigil(["render", "stacks/prod.yaml", "--out", dir]);
    assert.equal(r.code, 0, r.stderr);
  };
  await run(join(out, "a"));
  await run(join(out, "b"));
  await run(join(out, "b")); // re-rendering into the same directory replaces it exactly
  const a = listFiles(join(out, "a"));
  assert.deepEqual(listFiles(join(out, "b")), a);
  assert.ok(a.includes("monitor/plan.json") && a.includes("app-1/plan.json"));
  for (const p of a) assert.ok(readFileSync(join(out, "a", p)).equals(readFileSync(join(out, "b", p))), `${p} differs between runs`);
  // Secret files are named in plan.json but never written.
  for (const host of ["app-1", "monitor"]) {
    const plan = JSON.parse(readFileSync(join(out, "a", host, "plan.json"), "utf8")) as { steps: { files: { path: string; secret?: string }[] }[] };
    for (const f of plan.steps.flatMap((s) => s.files).filter((f) => f.secret)) {
      assert.equal(existsSync(join(out, "a", host, "root", f.path)), false, `secret file ${f.path} was rendered`);
    }
  }
});

test("vigil render rejects an invalid spec and a bad --address with exit 1", async () => {
  const bad = await runVigil(["render", "test/spec/bad/bad-region.yaml", "--out", tmpdir()]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad-region\.yaml:4:9 region:/);
  const addr = await runVigil(["render", "stacks/prod.yaml", "--out", tmpdir(), "--address", "nope=1.2.3.4"]);
  assert.equal(addr.code, 1);
  assert.match(addr.stderr, /expected HOST=IP/);
});
