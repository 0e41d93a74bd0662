// The agent's command line: config errors located like `vigil validate`, --help, and output that
// promtool accepts; plus the textfile written atomically.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BUNDLE, NODE18, parseMetrics, removeDir, requireNode, waitFor, requireTools, runAgent, sql, tempDir, writeConfig } from "./helpers.ts";

function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = execFile("promtool", ["check", "metrics"], (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin!.end(text);
  });
}

describe("vigil-agent command line", () => {
  let dir: string;
  before(() => {
    requireTools();
    dir = tempDir("cli");
  });
  after(() => removeDir(dir));

  it("rejects a bad config with file:line:col path: message lines and exit 1, no stack trace", async () => {
    const file = writeConfig(dir, "sqlite:\n  - path: relative.db\n    maxSizeMB: ten\n    integrityEvery: 30s\n    colour: blue\npm2:\n  - user: Deploy\n    apps: [a, a]\n", "bad.yaml");
    const r = await runAgent(["--config", file, "--once"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.ok(lines.every((l) => l.startsWith(`${file}:`)), r.stderr);
    assert.ok(lines.includes(`${file}:2:11 sqlite[0].path: must be an absolute path (no empty, . or .. segments, no control characters) (got "relative.db")`), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${file}:3:16 sqlite[0].maxSizeMB: must be a number`)), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${file}:5:5 sqlite[0].colour: unknown field "colour"`)), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${file}:7:11 pm2[0].user:`)), r.stderr);
    assert.ok(lines.some((l) => l.startsWith(`${file}:8:11 pm2[0].apps: must not repeat items`)), r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it("applies the cross-field rules of the spec to the block: integrityEvery >= 1m, distinct labels", async () => {
    const file = writeConfig(dir, `{"sqlite": [{"path": "/srv/a/app.db", "maxSizeMB": 1, "integrityEvery": "30s"}, {"path": "/srv/b/app.db", "maxSizeMB": 1}]}`, "cross.json");
    const r = await runAgent(["--config", file, "--check-config"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cross\.json:1:\d+ sqlite\[0\]\.integrityEvery: must be at least 1m/);
    assert.match(r.stderr, /cross\.json:1:\d+ sqlite\[1\]: database label "app" repeats sqlite\[0\]/);
  });

  it("names a YAML syntax error and a missing file", async () => {
    const file = writeConfig(dir, "sqlite:\n  - path: /x.db\n   maxSizeMB: 1\n", "syntax.yaml");
    const r = await runAgent(["--config", file, "--once"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^${file}:\\d+:\\d+: YAML: `));
    const missing = await runAgent(["--config", join(dir, "nope.yaml"), "--once"]);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trim(), `${join(dir, "nope.yaml")}: cannot read agent config: no such file`);
  });

  it("rejects unknown flags and bad durations with exit 1", async () => {
    assert.equal((await runAgent(["--config", "x", "--frobnicate"])).code, 1);
    const r = await runAgent(["--config", writeConfig(dir, "{}", "empty.yaml"), "--once", "--interval", "soon"]);
    assert.equal(r.code, 0, "--interval is read only in resident mode");
    const bad = await runAgent(["--config", join(dir, "empty.yaml"), "--once", "--busy-timeout", "soon"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--busy-timeout: "soon" is not a duration/);
  });

  it("documents both modes and the choice in --help", async () => {
    const r = await runAgent(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--once/);
    assert.match(r.stdout, /--textfile PATH/);
    assert.match(r.stdout, /resident/);
    assert.match(r.stdout, /timer/);
  });

  it("prints metrics promtool accepts and writes the same text atomically to --textfile", async () => {
    const db = join(dir, "app.db");
    await sql(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    const textDir = tempDir("textfile");
    try {
      const target = join(textDir, "vigil.prom");
      const file = writeConfig(dir, `sqlite:\n  - { path: ${db}, name: "app", maxSizeMB: 1 }\npm2:\n  - { user: root, pm2Home: ${join(dir, "none")}, apps: ["api \\"v2\\""] }\n`, "ok.yaml");
      const r = await runAgent(["--config", file, "--once", "--textfile", target, "--state-dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(target, "utf8"), r.stdout);
      assert.deepEqual(readdirSync(textDir), ["vigil.prom"], "no temporary file left behind");
      const check = await promtoolCheckMetrics(r.stdout);
      assert.equal(check.code, 0, check.output);
      assert.equal(parseMetrics(r.stdout).get('vigil_pm2_app_online{pm2_user="root",app="api \\"v2\\""}'), 0);
    } finally {
      removeDir(textDir);
    }
  });

  it("resident (on Node 18): rewrites the textfile every interval, runs due quick_checks in the background, logs a problem once, stops on SIGTERM", async () => {
    const db = join(dir, "resident.db");
    await sql(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    const textDir = tempDir("resident");
    const target = join(textDir, "vigil.prom");
    const file = writeConfig(dir, `sqlite:\n  - { path: ${db}, maxSizeMB: 1 }\n  - { path: ${join(dir, "gone.db")}, maxSizeMB: 1 }\n`, "resident.yaml");
    const child = spawn(requireNode(NODE18), [BUNDLE, "--config", file, "--interval", "500ms", "--textfile", target, "--state-dir", textDir]);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    try {
      const first = await waitFor("a first textfile", async () => (existsSync(target) ? parseMetrics(readFileSync(target, "utf8")) : undefined));
      assert.equal(first.get('vigil_sqlite_up{database="resident"}'), 1);
      const t0 = first.get("vigil_agent_last_run_timestamp_seconds")!;
      // later collections replace the file; the quick_check verdict arrives without a restart
      const later = await waitFor("a later collection with the integrity verdict", async () => {
        const m = parseMetrics(readFileSync(target, "utf8"));
        return m.get("vigil_agent_last_run_timestamp_seconds")! > t0 && m.get('vigil_sqlite_integrity_ok{database="resident"}') === 1 ? m : undefined;
      });
      assert.equal(later.get('vigil_sqlite_up{database="gone"}'), 0);
      await waitFor("a few more collections", async () => (parseMetrics(readFileSync(target, "utf8")).get("vigil_agent_last_run_timestamp_seconds")! > later.get("vigil_agent_last_run_timestamp_seconds")! + 1 ? true : undefined));
      assert.equal(stderr.match(/gone \(.*\): no such file/g)?.length, 1, stderr);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
    removeDir(textDir);
  });
});
