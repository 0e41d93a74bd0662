// The resident agent never holds its config validator: a child process of the same bundle
// (--print-config) checks the file and hands the config over as JSON, so the YAML parser, the
// schema code and the spec checks (with the PromQL grammar) stay out of a heap that lives for
// months. Proven three ways: the static import graph of agent/src/main.ts reaches none of those
// modules (only the dynamic import does), a resident agent really spawns that child, and the child's
// answers are the in-process validator's: the same config with defaults, the same located errors.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { build, type Metafile } from "esbuild";
import { loadAgentConfigFile } from "../../agent/src/config.ts";
import { BUNDLE, CONFIG_BUNDLE, NODE18, parseMetrics, removeDir, requireNode, requireTools, runAgent, sql, tempDir, waitFor, writeConfig } from "./helpers.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const MAIN = join(ROOT, "agent", "src", "main.ts");

/** Every input the entry reaches through import statements alone (dynamic import() not followed). */
function staticClosure(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const edge of meta.inputs[queue.pop()!]?.imports ?? []) {
      if (edge.kind === "dynamic-import" || edge.external || seen.has(edge.path)) continue;
      seen.add(edge.path);
      queue.push(edge.path);
    }
  }
  return seen;
}

describe("the resident agent's config is checked by a child process", () => {
  let dir: string;
  before(() => {
    requireTools();
    dir = tempDir("resident-config");
  });
  after(() => removeDir(dir));

  it("main.ts reaches the validator (yaml, ajv, TypeBox, the PromQL grammar, the spec checks) only through import()", async () => {
    const result = await build({ entryPoints: [MAIN], bundle: true, platform: "node", format: "cjs", target: "node18", write: false, metafile: true, outfile: join(dir, "x.js"), logLevel: "silent" });
    const entry = relative(process.cwd(), MAIN);
    const all = Object.keys(result.metafile.inputs);
    const eager = [...staticClosure(result.metafile, entry)];
    const validator = /node_modules\/(yaml|ajv|@sinclair\/typebox|@lezer|@prometheus-io)\/|schema\/(cross-checks|locate|promql|spec-schema)\.ts$|agent\/src\/config\.ts$/;
    // The check can fail: the bundle as a whole does carry all of them.
    for (const name of ["yaml", "ajv", "@sinclair/typebox", "@prometheus-io/lezer-promql", "schema/cross-checks.ts", "agent/src/config.ts"]) {
      assert.ok(all.some((p) => p.includes(name)), `the bundle has ${name}`);
    }
    assert.deepEqual(eager.filter((p) => validator.test(p)), []);
    assert.ok(eager.some((p) => p.endsWith("schema/database-label.ts")), "the label the collections need is reached statically");
  });

  it("the built bundle carries none of the validator; the config check beside it carries all of it", () => {
    const bundle = readFileSync(BUNDLE, "utf8");
    const check = readFileSync(CONFIG_BUNDLE, "utf8");
    // a message from yaml's parser, one from the schema validator, one from the spec's agent checks
    for (const text of ["Implicit keys need to be on a single line", "must NOT have additional properties", "must be at least 1m: quick_check reads the whole file"]) {
      assert.ok(check.includes(text), `the config check has "${text}"`);
      assert.ok(!bundle.includes(text), `the bundle has no "${text}"`);
    }
    assert.ok(bundle.includes('import("./vigil-agent-config.js")'), "the bundle loads the check from beside itself");
    assert.ok(bundle.length * 5 < check.length, `the bundle (${bundle.length} bytes) is a fraction of the check (${check.length})`);
  });

  it("--print-config prints what the in-process validator returns, defaults filled in", async () => {
    const file = writeConfig(dir, `sqlite:\n  - { path: /srv/app/app.db, maxSizeMB: 5 }\npm2:\n  - { user: deploy, apps: [api] }\n`, "print.yaml");
    const r = await runAgent(["--config", file, "--print-config"]);
    assert.equal(r.code, 0, r.stderr);
    const here = loadAgentConfigFile(file);
    assert.ok(here.ok);
    assert.deepEqual(JSON.parse(r.stdout), here.config);
    assert.equal(here.config.sqlite[0]!.integrityEvery, "6h", "a default the schema fills in travels too");
  });

  it("a resident agent with a bad config exits 1 with the child's located errors, exactly --check-config's, and writes no textfile", async () => {
    const file = writeConfig(dir, "sqlite:\n  - path: relative.db\n    maxSizeMB: 1\n    integrityEvery: 30s\n", "bad.yaml");
    const target = join(dir, "bad.prom");
    const resident = await runAgent(["--config", file, "--textfile", target, "--interval", "1s", "--state-dir", dir], { node: requireNode(NODE18) });
    const check = await runAgent(["--config", file, "--check-config"], { node: requireNode(NODE18) });
    assert.equal(resident.code, 1);
    assert.equal(check.code, 1);
    assert.match(check.stderr, new RegExp(`^${file}:2:11 sqlite\\[0\\]\\.path: must be an absolute path`));
    assert.equal(resident.stderr, check.stderr);
    assert.equal(resident.stdout, "");
    assert.equal(existsSync(target), false);
  });

  it("a resident agent (Node 18) spawns --print-config with its own flags, then collects with what it returned", async () => {
    const db = join(dir, "app.db");
    await sql(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    const file = writeConfig(dir, `sqlite:\n  - { path: ${db}, name: tracker, maxSizeMB: 1 }\n`, "resident.yaml");
    const target = join(dir, "resident.prom");
    const calls = join(dir, "execfile-calls.jsonl");
    // A preload that records the agent's execFile calls (the bundle calls through the module object).
    const recorder = join(dir, "record-execfile.cjs");
    writeFileSync(
      recorder,
      `const cp = require("node:child_process"); const original = cp.execFile;
cp.execFile = function (file, args, ...rest) { require("node:fs").appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ pid: process.pid, file, args }) + "\\n"); return original.call(this, file, args, ...rest); };\n`,
    );
    const child = spawn(requireNode(NODE18), ["--require", recorder, "--max-old-space-size=32", BUNDLE, "--config", file, "--interval", "1s", "--textfile", target, "--state-dir", dir]);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    try {
      const m = await waitFor("a first textfile", async () => (existsSync(target) ? parseMetrics(readFileSync(target, "utf8")) : undefined));
      assert.equal(m.get('vigil_sqlite_up{database="tracker"}'), 1, stderr);
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0);
    const recorded = readFileSync(calls, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { pid: number; file: string; args: string[] });
    const checks = recorded.filter((c) => c.args.includes("--print-config"));
    assert.equal(checks.length, 1, JSON.stringify(recorded));
    assert.equal(checks[0]!.pid, child.pid, "the resident process itself asked");
    assert.equal(checks[0]!.file, requireNode(NODE18));
    assert.deepEqual(checks[0]!.args, ["--require", recorder, "--max-old-space-size=32", BUNDLE, "--config", file, "--print-config"]);
  });
});
