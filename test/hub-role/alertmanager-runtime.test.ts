// The rendered alertmanager.yml and unit drop-in, run by the real Alertmanager (Debian's 0.25) on
// loopback with a webhook receiver:
// - a critical alert is notified after one evaluation (group_wait = intervals.evaluation), while
//   a warning still waits its 30 s;
// - across a restart that keeps the notification log (what the hub did before issue 18), an
//   alert that comes back is swallowed; after the drop-in's boot script removes `nflog`, it is
//   notified again, and the silence made before the restart is still there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadSpecText } from "../../schema/load-spec.ts";
import { alertmanagerDropIn, alertmanagerTemplate, forgetNotificationLogScript } from "../../provisioning/hub/alertmanager.ts";
import { AlertReceiver } from "../e2e/support/receiver.ts";
import { freePort } from "../node-role/helpers.ts";
import { requireTool, run, tempDir } from "./support.ts";

const specText = (receiverPort: number) => `version: 1
environment: amtest
project: vigil
region: fra1
hosts: [{ name: hub-1, roles: [node, hub] }]
intervals: { scrape: 1s, evaluation: 1s }
alerts:
  receivers:
    hook: { webhook: { url: "http://127.0.0.1:${receiverPort}/alerts" } }
  routes:
    - { to: [hook] }
`;

async function startAlertmanager(config: string, storage: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    "prometheus-alertmanager",
    [`--config.file=${config}`, `--storage.path=${storage}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return child;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  child.kill();
  throw new Error(`Alertmanager did not become ready:\n${log}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM"); // Alertmanager snapshots nflog and silences on a clean stop
  await exited;
}

/** Posts alerts as Prometheus does (API v2), starting now and ending in 5 minutes. */
async function post(port: number, alerts: Record<string, string>[], startsAt: string): Promise<void> {
  const endsAt = new Date(Date.now() + 300_000).toISOString();
  const r = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(alerts.map((labels) => ({ labels, startsAt, endsAt }))),
  });
  assert.equal(r.status, 200, await r.text());
}

test("Alertmanager (real): critical after one evaluation, warning after 30s; a reboot forgets nflog, keeps silences", { timeout: 120_000 }, async (t) => {
  requireTool("amtool");
  requireTool("prometheus-alertmanager");
  const receiver = new AlertReceiver();
  const receiverPort = await receiver.start();
  const port = await freePort();
  const dir = tempDir("am-runtime");
  const storage = join(dir, "data");
  const marker = join(dir, "run", "started-since-boot");
  mkdirSync(join(dir, "run"));
  const loaded = loadSpecText(specText(receiverPort), "amtest.yaml");
  assert.ok(loaded.ok, loaded.ok ? "" : JSON.stringify(loaded.errors));
  const config = join(dir, "alertmanager.yml");
  writeFileSync(config, alertmanagerTemplate(loaded.spec));
  assert.equal(run("amtool", ["check-config", config]).status, 0);
  // The very script the unit's ExecStartPre runs, on this test's paths.
  const bootScript = forgetNotificationLogScript(storage, marker);
  assert.ok(alertmanagerDropIn().includes(JSON.stringify(forgetNotificationLogScript())), "the drop-in runs the tested script");
  const boot = () => assert.equal(run("sh", ["-c", bootScript]).status, 0);

  let am = await startAlertmanager(config, storage, port);
  t.after(async () => {
    await stop(am);
    await receiver.stop();
  });
  const critical = { alertname: "HostSystemdUnitFailed", severity: "critical", host: "hub-1", unit: "app.service", environment: "amtest" };
  const warning = { alertname: "HostDiskHigh", severity: "warning", host: "hub-1", mountpoint: "/", environment: "amtest" };
  const t0 = Date.now();
  await post(port, [critical, warning], new Date().toISOString());
  const hit = await receiver.waitFor(critical, { since: t0, timeoutMs: 10_000 });
  const criticalMs = hit.receivedAt - t0;
  t.diagnostic(`critical notified after ${criticalMs} ms (group_wait 1s)`);
  assert.ok(criticalMs < 5000, `critical after ${criticalMs} ms`);
  await sleep(Math.max(0, t0 + 6000 - Date.now()));
  assert.deepEqual(receiver.firing(t0).filter((a) => a.labels.severity === "warning"), [], "the warning still waits its 30s group_wait");

  // A silence, then a clean stop: nflog and silences are written to the storage path.
  const silence = run("amtool", [`--alertmanager.url=http://127.0.0.1:${port}`, "silence", "add", "alertname=Maintenance", "-c", "kept", "-d", "2h"]);
  assert.equal(silence.status, 0, silence.output);
  await stop(am);
  assert.deepEqual(readdirSync(storage).sort(), ["nflog", "silences"], "Alertmanager 0.25 keeps exactly these two files");

  // Restart keeping nflog (the marker says: not a boot): the alert that comes back is swallowed.
  writeFileSync(marker, "");
  boot();
  assert.ok(existsSync(join(storage, "nflog")), "a restart that is not a boot keeps the notification log");
  am = await startAlertmanager(config, storage, port);
  const t1 = Date.now();
  await post(port, [critical], new Date(t1).toISOString());
  await sleep(4000);
  assert.deepEqual(receiver.firing(t1).filter((a) => a.labels.severity === "critical"), [], "with the old nflog the recurrence is swallowed (the bug of issue 18)");
  await stop(am);

  // A boot (/run empty): the script removes nflog, keeps silences; the recurrence is notified.
  run("rm", ["-f", marker]);
  boot();
  assert.deepEqual(readdirSync(storage).sort(), ["silences"]);
  assert.ok(existsSync(marker), "the script marks that Alertmanager started since the boot");
  am = await startAlertmanager(config, storage, port);
  const t2 = Date.now();
  await post(port, [critical], new Date(t2).toISOString());
  const again = await receiver.waitFor(critical, { since: t2, timeoutMs: 10_000 });
  t.diagnostic(`after the boot script: notified again after ${again.receivedAt - t2} ms`);
  const silences = run("amtool", [`--alertmanager.url=http://127.0.0.1:${port}`, "silence", "query", "-q"]);
  assert.equal(silences.stdout.trim().split("\n").filter(Boolean).length, 1, `the silence survived: ${silences.output}`);
});
