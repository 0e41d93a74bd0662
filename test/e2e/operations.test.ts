// Day two on a real hub: `vigil status`, `vigil silence`, a maintenance window and an escalation,
// against a booted Debian 12 container provisioned by `vigil local up`'s code path, reached by the
// CLI over real SSH (--target, as for a droplet). Lean: only the pieces these commands need
// (node_exporter, the hub), two faults at once:
//   - node_exporter stopped → HostDown (critical, host box): status exits 1 and lists it; the
//     primary receiver is told at once, the secondary only 30 s later (escalate after: 30s);
//     a silence for the host stops the repeats, is listed, and after expire they come back;
//   - an uptime check whose target this test stops → UptimeProbeFailed (critical), inside a
//     maintenance window covering now: status shows it firing and in maintenance, the receiver
//     never hears of it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bootLocal, localStatus, stopLocal } from "../../bin/local-target.ts";
import { sshClose, sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { localUp } from "../../bin/local-apply.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { FleetStatus } from "../../bin/fleet-status.ts";
import { runVigil } from "../run-vigil.ts";
import { e2eOptions, SLOT_WAIT_MS } from "./support/target.ts";
import { AlertReceiver } from "./support/receiver.ts";
import { scratchDir } from "../scratch-dir.ts";

const o = e2eOptions();
let target: SshTarget;
const receiver = new AlertReceiver();
let probed: Server;
let specFile = "";
let hubArgs: string[] = [];

const pad = (n: number) => String(n).padStart(2, "0");
/** An hour around now, today, in a zone where now is far from midnight. */
function windowAroundNow(): { zone: string; weekday: string; times: string } {
  for (const zone of ["Asia/Kolkata", "America/New_York", "Pacific/Auckland"]) {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone: zone, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date());
    const get = (t: string) => parts.find((p) => p.type === t)!.value;
    const minutes = Number(get("hour")) * 60 + Number(get("minute"));
    if (minutes < 60 || minutes > 22 * 60) continue;
    const fmt = (m: number) => `${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
    return { zone, weekday: get("weekday").toLowerCase(), times: `${fmt(minutes - 60)}-${fmt(minutes + 60)}` };
  }
  throw new Error("unreachable");
}

function specText(receiverPort: number, probedPort: number): string {
  const w = windowAroundNow();
  return `version: 1
environment: e2e
project: vigil
region: fra1
hosts:
  - { name: box, roles: [node, hub] }
stack:
  netdata: { enabled: false }
  fail2ban: { enabled: false }
  crowdsec: { enabled: false }
intervals: { scrape: 5s, evaluation: 5s }
thresholds:
  # The container shares this machine's kernel and its CPU load (see end-to-end.test.ts).
  cpu: { warning: 99.5, critical: 100 }
  load: { warning: 100, critical: 200 }
uptime:
  - { name: shop, url: "http://127.0.0.1:${probedPort}/health" }
alerts:
  receivers:
    primary: { webhook: { url: "http://127.0.0.1:${receiverPort}/primary" } }
    secondary: { webhook: { url: "http://127.0.0.1:${receiverPort}/secondary" } }
  routes:
    - { severity: critical, to: [primary], escalate: [{ after: 30s, to: [secondary] }] }
    - { to: [primary] }
  grouping: { by: [alertname, host], wait: 1s, interval: 5s, repeat: 15s }
maintenance:
  - { name: shop-release, weekdays: [${w.weekday}], times: ["${w.times}"], timezone: ${w.zone}, alerts: [UptimeProbeFailed] }
`;
}

before(async () => {
  const receiverPort = await receiver.start();
  probed = createServer((_, res) => res.writeHead(200).end("ok"));
  await new Promise<void>((r) => probed.listen(0, "127.0.0.1", r));
  const dir = scratchDir("vigil-e2e-ops-");
  specFile = join(dir, "ops.yaml");
  writeFileSync(specFile, specText(receiverPort, (probed.address() as AddressInfo).port));
  const boot = await bootLocal(o, { waitSlotMs: SLOT_WAIT_MS });
  target = boot.target;
  hubArgs = ["--target", `ssh://root@127.0.0.1:${o.port}`, "--identity", target.identity!];
  process.env.XDG_CONFIG_HOME = dir; // vigil's known_hosts for the CLI runs, not the user's
});

after(async () => {
  try {
    await stopLocal(o);
  } finally {
    await receiver.stop();
    probed?.close();
  }
  assert.equal(localStatus(o).running, false);
});

const vigil = (args: string[]) => runVigil(args, { env: { XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME } });

test("the hub of the operations spec is applied", { timeout: 900_000 }, async () => {
  const r = loadSpecText(readFileSync(specFile, "utf8"), specFile);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const log: string[] = [];
  const { outcome } = await localUp(o, r.spec, { out: (l) => log.push(l) });
  assert.equal(outcome.failure, undefined, `${JSON.stringify(outcome.failure, null, 2)}\n${log.join("\n")}`);
  await sshClose(target);
});

test("faults: status lists them (exit 1, --json), the window mutes one, escalation waits 30 s, a silence stops repeats", { timeout: 900_000 }, async (t) => {
  const since = Date.now();
  const r = await sshRun(target, "systemctl stop prometheus-node-exporter");
  assert.equal(r.code, 0, r.stderr);
  probed.close();
  probed.closeAllConnections();
  try {
    const primary = await receiver.waitFor({ alertname: "HostDown", host: "box" }, { since, timeoutMs: 240_000 });
    assert.equal(primary.receiverPath, "/primary");

    // Status within one evaluation of the alert firing: exit 1, both faults, the window.
    let status: FleetStatus | undefined;
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const run = await vigil(["status", specFile, "--json", ...hubArgs]);
      t.diagnostic(`vigil status --json (process, ssh, queries): ${((performance.now() - t0) / 1000).toFixed(2)} s`);
      assert.ok(run.code === 0 || run.code === 1, `${run.code}: ${run.stderr}`);
      status = JSON.parse(run.stdout) as FleetStatus;
      if (status.alerts.some((a) => a.alertname === "UptimeProbeFailed")) {
        assert.equal(run.code, 1);
        break;
      }
      await sleep(5000);
    }
    const down = status!.alerts.find((a) => a.alertname === "HostDown")!;
    assert.deepEqual([down.severity, down.host, down.silenced, down.maintenance], ["critical", "box", false, []]);
    const shop = status!.alerts.find((a) => a.alertname === "UptimeProbeFailed");
    assert.ok(shop, JSON.stringify(status!.alerts));
    assert.deepEqual([shop.labels.check, shop.maintenance], ["shop", ["shop-release"]]);
    assert.deepEqual(status!.maintenance.map((w) => [w.name, w.active]), [["shop-release", true]]);
    assert.ok(status!.downTargets.some((d) => d.job === "node" && d.host === "box"), JSON.stringify(status!.downTargets));
    const human = await vigil(["status", specFile, ...hubArgs]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /^ {4}box\s+HostDown\s+\d+[sm]/m);
    assert.match(human.stdout, /^ {4}-\s+UptimeProbeFailed\{check=shop\}\s+\S+\s+maintenance shop-release$/m);

    // Escalation: the secondary hears of HostDown only 30 s after it first reached Alertmanager.
    const secondary = await receiver.waitFor({ alertname: "HostDown", host: "box" }, { since, timeoutMs: 90_000, path: "/secondary" });
    const startsAt = new Date(secondary.startsAt).getTime();
    t.diagnostic(`secondary told ${((secondary.receivedAt - primary.receivedAt) / 1000).toFixed(1)} s after the primary`);
    assert.ok(secondary.receivedAt - startsAt >= 30_000, `escalated ${(secondary.receivedAt - startsAt) / 1000} s after the alert started`);
    assert.ok(secondary.receivedAt - primary.receivedAt >= 25_000, `primary at ${primary.receivedAt}, secondary at ${secondary.receivedAt}`);

    // A silence for the host: no more HostDown repeats (every 15 s before it), listed, expired.
    const add = await vigil(["silence", "add", specFile, "--host", "box", "--for", "10m", "--comment", "e2e: node_exporter work", ...hubArgs]);
    assert.equal(add.code, 0, add.stderr);
    const id = /^silence ([0-9a-f-]{36}) /.exec(add.stdout)?.[1];
    assert.ok(id, add.stdout);
    const silencedAt = Date.now();
    const list = await vigil(["silence", "list", specFile, "--json", ...hubArgs]);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { id: string; status: { state: string } }[]).map((s) => [s.id, s.status.state]), [[id, "active"]]);
    const whileSilenced = await vigil(["status", specFile, "--json", ...hubArgs]);
    assert.equal((JSON.parse(whileSilenced.stdout) as FleetStatus).alerts.find((a) => a.alertname === "HostDown")?.silenced, true);
    await sleep(40_000);
    const repeats = receiver.alerts.filter((a) => a.receivedAt > silencedAt + 2000 && a.labels.alertname === "HostDown" && a.status === "firing");
    assert.deepEqual(repeats.map((a) => a.receiverPath), [], "no notification while silenced");
    const expire = await vigil(["silence", "expire", specFile, id, ...hubArgs]);
    assert.equal(expire.code, 0, expire.stderr);
    const after = await vigil(["silence", "list", specFile, "--json", ...hubArgs]);
    assert.deepEqual(JSON.parse(after.stdout), []);
    await receiver.waitFor({ alertname: "HostDown", host: "box" }, { since: Date.now(), timeoutMs: 60_000 });

    // The muted check never reached anyone, though it fired the whole time.
    assert.deepEqual(receiver.alerts.filter((a) => a.labels.alertname === "UptimeProbeFailed").map((a) => a.receiverPath), []);
  } finally {
    await sshRun(target, "systemctl start prometheus-node-exporter");
  }
});
