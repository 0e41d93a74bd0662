// bin/vigil runs the hub commands from the prebuilt bundle (npm run build) only while no .ts file
// is newer than it, and the bundle behaves like the sources. The shell's choice is read from its
// own trace (sh -x), on a copy of bin/vigil in a scratch tree so the repository is not touched.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runVigil } from "../run-vigil.ts";

/** The `exec node ...` line bin/vigil (a copy under `root`) runs for `args`. */
function chosen(root: string, args: string[]): string {
  const r = spawnSync("sh", ["-x", join(root, "bin", "vigil"), ...args], { encoding: "utf8", env: { ...process.env, PATH: `${join(root, "fake")}:${process.env.PATH}` } });
  return r.stderr.split("\n").find((l) => l.startsWith("+ exec node")) ?? r.stderr;
}

test("bin/vigil: the hub commands run the bundle while it is newer than every .ts file, the sources otherwise", () => {
  const root = mkdtempSync(join(tmpdir(), "vigil-bundle-"));
  try {
    mkdirSync(join(root, "bin", "dist"), { recursive: true });
    mkdirSync(join(root, "fake"));
    copyFileSync("bin/vigil", join(root, "bin", "vigil"));
    // A `node` that only exits: the test reads which file bin/vigil hands it.
    writeFileSync(join(root, "fake", "node"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const bundle = join(root, "bin", "dist", "hub-cli.mjs");
    const source = join(root, "bin", "vigil.ts");
    writeFileSync(source, "");
    writeFileSync(bundle, "");
    const old = new Date(Date.now() - 60_000);
    utimesSync(source, old, old);
    for (const command of ["status", "silence", "report"]) assert.match(chosen(root, [command, "x.yaml"]), /exec node \S+\/bin\/dist\/hub-cli\.mjs /, command);
    assert.match(chosen(root, ["validate", "x.yaml"]), /exec node --import \S+tsx\S+ \S+\/bin\/vigil\.ts validate/);
    // A source edited after the build: the bundle is stale and is not run.
    writeFileSync(join(root, "bin", "edited.ts"), "");
    utimesSync(bundle, old, old);
    assert.match(chosen(root, ["status", "x.yaml"]), /exec node --import \S+tsx\S+ \S+\/bin\/vigil\.ts status/);
    rmSync(bundle);
    assert.match(chosen(root, ["status", "x.yaml"]), /vigil\.ts status/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the bundle answers like the sources: usage, bad arguments, no hub", async () => {
  // Built afresh beside the one bin/vigil uses (npm run build made that; other test files may be
  // running it now): inside the repository, so its npm packages resolve.
  const dir = mkdtempSync(join("bin", "dist", "test-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, "hub-cli.mjs");
  execFileSync(process.execPath, ["--import", "tsx", "bin/build-hub-cli.ts", "--outfile", bundle], { stdio: "ignore" });
  assert.ok(existsSync(bundle));
  const cases = [["status"], ["report", "stacks/local.yaml"], ["status", "stacks/local.yaml", "--target", "ssh://root@127.0.0.1:1"]];
  for (const args of cases) {
    const fromBundle = spawnSync(process.execPath, [bundle, ...args], { encoding: "utf8" });
    const viaTsx = spawnSync(process.execPath, ["--import", "tsx", "bin/vigil.ts", ...args], { encoding: "utf8" });
    assert.equal(fromBundle.status, viaTsx.status, args.join(" "));
    assert.equal(fromBundle.stderr, viaTsx.stderr, args.join(" "));
  }
  // And bin/vigil as users run it (the bundle npm run build made, when fresh) says the same.
  const asUsersRunIt = await runVigil(cases[2]!);
  assert.equal(asUsersRunIt.code, 2);
  assert.match(asUsersRunIt.stderr, /^vigil status: cannot reach the hub:\n  root@127\.0\.0\.1:1: .*refused/m);
});
