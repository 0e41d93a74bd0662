// vigil-heartbeat and the heartbeats step (provisioning/node/heartbeats.ts), executed for real:
// the command as a member of the group and as a stranger (setpriv, numeric ids: this machine's
// /etc/group stays untouched), the step's set-up twice (declarations kept, removed heartbeats
// cleaned up), and node_exporter 1.5 reading the result through the symlinks without an error.
// Paths are moved under a temporary root; the e2e suite runs the real paths on Debian 12.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import {
  DECLARED_METRIC,
  HEARTBEAT_COMMAND,
  HEARTBEAT_DECLARED_FILE,
  HEARTBEAT_DIR,
  HEARTBEAT_GROUP,
  HEARTBEAT_NAMES,
  LAST_SUCCESS_METRIC,
  heartbeatSteps,
} from "../../provisioning/node/heartbeats.ts";
import { TEXTFILE_DIR } from "../../provisioning/node/node-exporter.ts";
import { edited, freePort, run, stack, tempDir } from "./helpers.ts";

const prod = stack("prod");
const app1 = prod.hosts.find((h) => h.name === "app-1")!;
const GID = 4242;
const NOBODY = 65534;

test("the step: on the heartbeat's host only, after node_exporter; its names file lists exactly that host's heartbeats", () => {
  const ids = (host: string) => planForHost(prod, host, offlineContext(prod)).steps.map((s) => s.id);
  assert.ok(ids("app-1").includes("heartbeats"));
  assert.ok(ids("app-1").indexOf("heartbeats") > ids("app-1").indexOf("node-exporter"));
  assert.ok(!ids("monitor").includes("heartbeats"));
  const two = edited(prod, (s) => {
    s.heartbeats.push({ name: "hub-export", host: "monitor", every: "1h", grace: "5m" }, { name: "orders-sync", host: "app-1", every: "5m", grace: "1m" });
  });
  const [step] = heartbeatSteps(two, app1);
  assert.equal(step!.files.find((f) => f.path === HEARTBEAT_NAMES)!.content, "sqlite-backup\norders-sync\n");
  assert.deepEqual(heartbeatSteps(edited(prod, (s) => (s.heartbeats = [])), app1), []);
  const command = step!.files.find((f) => f.path === HEARTBEAT_COMMAND)!;
  assert.deepEqual([command.mode, command.owner], ["0755", "root:root"]);
  // No spec value in the shell text: names reach the scripts only as lines of the names file.
  assert.doesNotMatch(`${step!.run}\n${step!.probe}\n${command.content}`, /sqlite-backup|orders-sync/);
  assert.equal(run("sh", ["-n"], { input: command.content! }).status, 0);
  assert.equal(run("bash", ["-n"], { input: `${step!.run}\n${step!.probe}` }).status, 0);
});

/** The step's texts with every path under `root` and the group as GID. */
function sandboxed(root: string, spec = prod) {
  const [step] = heartbeatSteps(spec, app1);
  const move = (text: string) =>
    text
      .replaceAll(HEARTBEAT_NAMES, join(root, HEARTBEAT_NAMES))
      .replaceAll(HEARTBEAT_DIR, join(root, HEARTBEAT_DIR))
      .replaceAll(TEXTFILE_DIR, join(root, TEXTFILE_DIR))
      .replaceAll(`-g ${HEARTBEAT_GROUP} `, `-g ${GID} `)
      .replaceAll(`root:${HEARTBEAT_GROUP}`, `root:UNKNOWN`);
  const names = step!.files.find((f) => f.path === HEARTBEAT_NAMES)!.content!;
  return { command: move(step!.files.find((f) => f.path === HEARTBEAT_COMMAND)!.content!), setUp: move(step!.run!), probe: move(step!.probe!), names };
}

/** A temporary root the set-up ran in, with stubs: the group "exists", groupadd must not run. */
function setUpRoot(t: { after(fn: () => void): void }, spec = prod) {
  const root = tempDir(t, "heartbeat");
  chmodSync(root, 0o755);
  const stubs = join(root, "stubs");
  mkdirSync(stubs);
  writeFileSync(join(stubs, "getent"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  writeFileSync(join(stubs, "groupadd"), "#!/bin/sh\necho groupadd must not run >&2; exit 1\n", { mode: 0o755 });
  const texts = sandboxed(root, spec);
  mkdirSync(join(root, "etc/vigil"), { recursive: true });
  writeFileSync(join(root, HEARTBEAT_NAMES), texts.names);
  const bin = join(root, "vigil-heartbeat");
  writeFileSync(bin, texts.command, { mode: 0o755 });
  const env = { ...process.env, PATH: `${stubs}:${process.env.PATH}` };
  const setUp = () => run("bash", ["-c", `set -euo pipefail\numask 022\n${texts.setUp}`], { env });
  const probe = () => run("bash", ["-c", `probe() {\n${texts.probe}\n}\n(probe)`], { env });
  return { root, bin, setUp, probe, texts };
}

/** Runs the command as uid NOBODY, in the group GID or not. */
const asUser = (bin: string, args: string[], member: boolean) =>
  run("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, member ? `--groups=${GID}` : "--clear-groups", bin, ...args]);

test("vigil-heartbeat: a group member records success atomically; a stranger, an unknown and a malformed name are refused", (t) => {
  const { root, bin, setUp } = setUpRoot(t);
  const first = setUp();
  assert.equal(first.status, 0, first.stderr);
  const dir = join(root, HEARTBEAT_DIR);
  assert.equal(statSync(dir).mode & 0o7777, 0o775);
  assert.equal(statSync(dir).gid, GID);

  const before = Math.floor(Date.now() / 1000);
  const ok = asUser(bin, ["sqlite-backup"], true);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout + ok.stderr, "", "silent on success (cron mails any output)");
  const file = join(dir, "sqlite-backup.prom");
  const text = readFileSync(file, "utf8");
  const m = new RegExp(`^${LAST_SUCCESS_METRIC}\\{heartbeat="sqlite-backup"\\} (\\d+)$`, "m").exec(text);
  assert.ok(m, text);
  assert.ok(Number(m[1]) >= before && Number(m[1]) <= Math.floor(Date.now() / 1000) + 1);
  assert.equal(statSync(file).mode & 0o777, 0o644, "readable by node_exporter's user");
  assert.equal(statSync(file).uid, NOBODY);
  // rename(2), not an in-place write: no temp file is left, the inode changed.
  const inode = statSync(file).ino;
  assert.equal(asUser(bin, ["sqlite-backup"], true).status, 0);
  assert.notEqual(statSync(file).ino, inode);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".")), []);

  const stranger = asUser(bin, ["sqlite-backup"], false);
  assert.equal(stranger.status, 2);
  assert.match(stranger.stderr, /may not record heartbeats: add it to the group vigil-heartbeat/);
  const unknown = asUser(bin, ["nightly"], true);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown heartbeat "nightly" \(this host's heartbeats: sqlite-backup \)/);
  for (const bad of ["../../etc/passwd", "-x", "sqlite-backup\nx", "Sqlite-backup", "", "$(touch CANARY)"]) {
    const r = asUser(bin, [bad], true);
    assert.equal(r.status, 2, bad);
    assert.match(r.stderr, /not a heartbeat name/, bad);
  }
  assert.equal(asUser(bin, [], true).status, 2);
  assert.equal(asUser(bin, ["sqlite-backup", "extra"], true).status, 2);
  assert.deepEqual(readdirSync(dir).sort(), ["sqlite-backup.prom"]);
});

test("the set-up: declarations keep their time across applies, new ones start now, removed heartbeats go; the probe sees it", async (t) => {
  const { root, setUp, probe } = setUpRoot(t);
  assert.equal(setUp().status, 0);
  const declared = join(root, HEARTBEAT_DECLARED_FILE);
  const timeOf = (name: string) => Number(new RegExp(`^${DECLARED_METRIC}\\{heartbeat="${name}"\\} (\\d+)$`, "m").exec(readFileSync(declared, "utf8"))?.[1]);
  // Pretend sqlite-backup was declared long ago: a re-apply must keep that.
  writeFileSync(declared, readFileSync(declared, "utf8").replace(/(heartbeat="sqlite-backup"\}) \d+/, "$1 1000"));
  const link = join(root, TEXTFILE_DIR, "vigil-heartbeat-sqlite-backup.prom");
  assert.equal(readlinkSync(link), join(root, HEARTBEAT_DIR, "sqlite-backup.prom"));
  assert.match(readFileSync(link, "utf8"), /^# vigil-heartbeat sqlite-backup: no success recorded yet\n$/);
  assert.equal(probe().status, 0, "the probe holds after the set-up");

  // The spec gains orders-sync: same root, new names file.
  writeFileSync(join(root, HEARTBEAT_NAMES), "sqlite-backup\norders-sync\n");
  assert.equal(probe().status, 1, "the probe notices a heartbeat that is not set up");
  const now = Math.floor(Date.now() / 1000);
  assert.equal(setUp().status, 0);
  assert.equal(timeOf("sqlite-backup"), 1000);
  assert.ok(timeOf("orders-sync") >= now);
  assert.equal(probe().status, 0);

  // node_exporter 1.5 reads the declarations and both heartbeats through their symlinks.
  const port = await freePort();
  const exporter = spawn(
    "prometheus-node-exporter",
    [`--web.listen-address=127.0.0.1:${port}`, "--collector.disable-defaults", "--collector.textfile", `--collector.textfile.directory=${join(root, TEXTFILE_DIR)}`],
    { stdio: "ignore" },
  );
  t.after(() => exporter.kill());
  let metrics = "";
  for (let i = 0; i < 50 && !metrics; i++) {
    await sleep(100);
    metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => "");
  }
  assert.match(metrics, /^node_textfile_scrape_error 0$/m);
  assert.match(metrics, new RegExp(`^${DECLARED_METRIC}\\{heartbeat="sqlite-backup"\\} 1000$`, "m"));
  assert.match(metrics, new RegExp(`^${DECLARED_METRIC}\\{heartbeat="orders-sync"\\} `, "m"));
  chownSync(join(root, HEARTBEAT_DIR), 0, GID);
  assert.equal(run(join(root, "vigil-heartbeat"), ["orders-sync"]).status, 0, "root may record too");
  const after = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  assert.match(after, new RegExp(`^${LAST_SUCCESS_METRIC}\\{heartbeat="orders-sync"\\} [0-9.e+]+$`, "m"));
  assert.match(after, /^node_textfile_scrape_error 0$/m);

  // orders-sync leaves the spec: its symlink and success go, sqlite-backup stays.
  writeFileSync(join(root, HEARTBEAT_NAMES), "sqlite-backup\n");
  assert.equal(setUp().status, 0);
  assert.throws(() => lstatSync(join(root, TEXTFILE_DIR, "vigil-heartbeat-orders-sync.prom")));
  assert.throws(() => lstatSync(join(root, HEARTBEAT_DIR, "orders-sync.prom")));
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.ok(Number.isNaN(timeOf("orders-sync")));
  assert.equal(timeOf("sqlite-backup"), 1000);
});
