// The agent's plan steps: the unit systemd accepts, the bundle and config they carry, a clear
// error when the bundle was not built, and the access grant run for real: an unprivileged user
// that could read neither a WAL database in a 0700 home nor a PM2 daemon's socket can read both
// after the step's ACLs, including the -shm/-wal and rpc.sock files re-created later.
import assert from "node:assert/strict";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { accessScript, agentSteps, agentStepsFrom, agentUnit } from "../../provisioning/node/agent.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { stepScript } from "../../provisioning/step-script.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";
import type { AgentConfig } from "../../schema/spec-schema.ts";
import { BUNDLE, CONFIG_BUNDLE, PM2, SqliteSession, parseMetrics, pastPm2MinUptime, removeDir, requireTools, runAgent, sql, tempDir, writeConfig } from "./helpers.ts";

const prod = () => {
  const loaded = loadSpecFile(join(import.meta.dirname ?? ".", "..", "..", "stacks", "prod.yaml"));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
};

/** What systemd-analyze verify says about a unit (it exits 0 on warnings: they go to stderr). */
function systemdVerify(unitText: string, dir: string): string {
  const file = join(dir, "vigil-agent.service");
  writeFileSync(file, unitText);
  const r = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  if (r.error) throw r.error;
  return `${r.stdout}${r.stderr}`;
}

const bash = (script: string) =>
  new Promise<{ code: number; stderr: string }>((done) => {
    execFile("bash", ["-c", `set -euo pipefail\n${script}`], (error, _stdout, stderr) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr: String(stderr) }));
  });

describe("agent plan steps", () => {
  it("installs the built bundle, the host's agent block and a hardened resident unit on a node host with an agent", () => {
    const spec = prod();
    const host = spec.hosts.find((h) => h.agent)!;
    const steps = agentSteps(spec, host, offlineContext(spec));
    assert.deepEqual(steps.map((s) => s.id), ["agent-packages", "agent"]);
    const files = new Map(steps[1]!.files.map((f) => [f.path, f]));
    assert.equal(files.get("/usr/local/lib/vigil-agent/vigil-agent.js")!.content, readFileSync(BUNDLE, "utf8"));
    assert.equal(files.get("/usr/local/lib/vigil-agent/vigil-agent-config.js")!.content, readFileSync(CONFIG_BUNDLE, "utf8"), "the config check travels beside the bundle");
    assert.deepEqual(JSON.parse(files.get("/etc/vigil/agent.json")!.content!), host.agent);
    const unit = files.get("/etc/systemd/system/vigil-agent.service")!.content!;
    for (const line of ["User=vigil-agent", "ProtectSystem=strict", "NoNewPrivileges=yes", "ReadWritePaths=/var/lib/prometheus/node-exporter", "Restart=always", "CapabilityBoundingSet="]) {
      assert.ok(unit.split("\n").includes(line), line);
    }
    assert.match(unit, /--textfile \/var\/lib\/prometheus\/node-exporter\/vigil\.prom/);
    assert.match(unit, new RegExp(` --interval ${spec.intervals.scrape} `), "collects at the scrape interval");
    assert.match(steps[1]!.validate!, /--check-config/);
    assert.match(steps[0]!.run!, /packages="\$packages nodejs"/, "nodejs only when no Node >= 18 is there");
    for (const step of steps) execFileSync("bash", ["-n"], { input: stepScript(step) });
  });

  it("collects every intervals.agent when it is given, else every intervals.scrape", () => {
    const spec = prod();
    const host = spec.hosts.find((h) => h.agent)!;
    const unitOf = (intervals: typeof spec.intervals) =>
      agentSteps({ ...spec, intervals }, host, offlineContext(spec))[1]!.files.find((f) => f.path.endsWith(".service"))!.content!;
    assert.match(unitOf({ scrape: "5s", evaluation: "5s" }), / --interval 5s /);
    assert.match(unitOf({ scrape: "1m", evaluation: "1m" }), / --interval 1m /);
    assert.match(unitOf({ scrape: "30s", evaluation: "30s", agent: "10s" }), / --interval 10s /);
  });

  it("adds nothing to a host without an agent block", () => {
    const spec = prod();
    const host = spec.hosts.find((h) => !h.agent)!;
    assert.deepEqual(agentSteps(spec, host, offlineContext(spec)), []);
  });

  it("fails with 'run npm run build' when the bundle is missing", () => {
    const spec = prod();
    const host = spec.hosts.find((h) => h.agent)!;
    assert.throws(() => agentStepsFrom("/nonexistent/vigil-agent.js")(spec, host, offlineContext(spec)), /vigil-agent\.js is missing: run npm run build/);
  });

  it("writes a unit systemd-analyze accepts without a warning (and the check does catch a bad one)", () => {
    const dir = tempDir("unit");
    try {
      assert.equal(systemdVerify(agentUnit(5), dir), "");
      assert.match(systemdVerify(agentUnit(5).replace("ProtectSystem=strict", "ProtectSystem=sometimes"), dir), /ProtectSystem|protect system/i);
    } finally {
      removeDir(dir);
    }
  });
});

describe("agent access grant, applied for real (user nobody stands in for vigil-agent)", () => {
  let root: string;
  let db: string;
  let pm2Home: string;
  let config: string;
  let agentConfig: AgentConfig;
  let launchedBy: number;
  const pm2 = (args: string[]) => execFileSync(process.execPath, [PM2, ...args], { env: { PATH: process.env.PATH, HOME: pm2Home, PM2_HOME: pm2Home }, stdio: "ignore", timeout: 60_000 });

  before(async () => {
    requireTools();
    root = tempDir("grant");
    const home = join(root, "home", "deploy");
    mkdirSync(join(home, "app"), { recursive: true });
    chmodSync(join(root, "home"), 0o755);
    chmodSync(home, 0o700); // Debian 12's adduser default
    db = join(home, "app", "bugs.db");
    await sql(db, "PRAGMA journal_mode=wal; CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    chmodSync(db, 0o640);
    pm2Home = join(home, ".pm2");
    writeFileSync(join(home, "app", "api.js"), "setInterval(() => {}, 1000);\n");
    pm2(["start", join(home, "app", "api.js"), "--name", "api"]);
    launchedBy = Date.now();
    agentConfig = { sqlite: [{ path: db, maxSizeMB: 10, integrityEvery: "6h" }], pm2: [{ user: "deploy", pm2Home, apps: ["api"] }] };
    config = writeConfig(root, JSON.stringify(agentConfig), "agent.json");
  });

  after(() => {
    try {
      pm2(["kill"]);
    } finally {
      removeDir(root);
    }
  });

  const collectAsNobody = async () => {
    const r = await runAgent(["--config", config, "--once", "--state-dir", root], { asUser: "nobody" });
    assert.equal(r.code, 0, r.stderr);
    return { m: parseMetrics(r.stdout), stderr: r.stderr };
  };

  it("reads nothing before the grant, both after it, and still both after the files are re-created", async () => {
    const app = new SqliteSession(db);
    try {
      await app.send("INSERT INTO t VALUES (2);"); // -wal and -shm exist, mode 0640 like the database
      const denied = await collectAsNobody();
      assert.equal(denied.m.get('vigil_sqlite_up{database="bugs"}'), 0);
      assert.equal(denied.m.get('vigil_pm2_up{pm2_user="deploy"}'), 0);

      const grant = await bash(accessScript(agentConfig, "nobody"));
      assert.equal(grant.code, 0, grant.stderr);
      assert.equal(grant.stderr, "");
      await pastPm2MinUptime(launchedBy);
      const granted = await collectAsNobody();
      assert.equal(granted.m.get('vigil_sqlite_up{database="bugs"}'), 1, granted.stderr);
      assert.equal(granted.m.get('vigil_pm2_up{pm2_user="deploy"}'), 1, granted.stderr);
      assert.equal(granted.m.get('vigil_pm2_app_online{pm2_user="deploy",app="api"}'), 1);
    } finally {
      await app.close(); // the last connection closes: SQLite removes -wal and -shm
    }
    // New -wal/-shm from the application, a new rpc.sock and pm2.pid from a restarted daemon:
    // the default ACLs must cover them without another grant.
    const reopened = new SqliteSession(db);
    try {
      await reopened.send("INSERT INTO t VALUES (3);");
      pm2(["kill"]);
      pm2(["start", join(root, "home", "deploy", "app", "api.js"), "--name", "api"]);
      const after = await collectAsNobody();
      assert.equal(after.m.get('vigil_sqlite_up{database="bugs"}'), 1, after.stderr);
      assert.equal(after.m.get('vigil_pm2_up{pm2_user="deploy"}'), 1, after.stderr);
    } finally {
      await reopened.close();
    }
  });

  it("warns, and does not fail, when a database is not group-readable", async () => {
    const secret = join(root, "secret.db");
    await sql(secret, "CREATE TABLE t(x);");
    chmodSync(secret, 0o600);
    const r = await bash(accessScript({ sqlite: [{ path: secret, maxSizeMB: 1, integrityEvery: "6h" }], pm2: [] }, "nobody"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /secret\.db is not readable by nobody: make it group-readable/);
  });
});
