// `vigil status` against a real Prometheus and Alertmanager (the mini hub), reached over real SSH;
// the CLI's argument handling and exit 2 without a hub.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { connectHub } from "../../bin/hub-connection.ts";
import { buildStatus, collectStatus, formatAge, formatStatus, statusExitCode } from "../../bin/fleet-status.ts";
import { runVigil } from "../run-vigil.ts";
import { MINI_HUB_SPEC, startMiniHub, type MiniHub } from "./mini-hub.ts";

let hub: MiniHub;
let spec: Spec;

before(async () => {
  const r = loadSpecText(MINI_HUB_SPEC, "mini.yaml");
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  spec = r.spec;
  hub = await startMiniHub();
});
after(async () => hub?.stop());

test("status: firing alerts by severity and host, down targets, SLO budget and burn, availability, maintenance", async () => {
  const conn = await connectHub({ targets: [hub.sshd.target], ports: hub.ports });
  try {
    const s = buildStatus(spec, await collectStatus(conn), new Date());
    assert.deepEqual(
      s.alerts.map((a) => [a.severity, a.host, a.alertname, a.labels, a.silenced, a.maintenance]),
      [
        ["critical", "app-1", "Pm2AppDown", { app: "api", pm2_user: "deploy" }, false, []],
        ["warning", "app-1", "DiskAlmostFull", { mountpoint: "/" }, false, ["always-app-1"]],
      ],
    );
    assert.ok(s.alerts.every((a) => a.firingSeconds >= 0 && a.firingSeconds < 120));
    assert.equal(s.downTargets.length, 1);
    assert.equal(s.downTargets[0]!.job, "node");
    assert.equal(s.downTargets[0]!.host, "app-1");
    assert.match(s.downTargets[0]!.lastError, /refused/);
    assert.deepEqual(s.slos, [{ name: "api-availability", objective: 99, window: "30d", budgetRemaining: 0.75, burnRate: 2 }]);
    assert.equal(s.uptime[0]!.check, "api");
    assert.ok(s.uptime[0]!.availability24h! > 0.4 && s.uptime[0]!.availability24h! < 1, String(s.uptime[0]!.availability24h));
    assert.deepEqual(s.maintenance, [{ name: "always-app-1", active: true, concerns: "alerts DiskAlmostFull" }]);
    assert.equal(statusExitCode(s), 1);
    const text = formatStatus(s);
    assert.match(text, /^FIRING \(2\)\n  critical\n    app-1  Pm2AppDown\{app=api,pm2_user=deploy\}\s+\d+s\s*\n  warning\n    app-1  DiskAlmostFull\{mountpoint=\/\}\s+\d+s\s+maintenance always-app-1$/m);
    assert.match(text, /^  api-availability\s+99% \/ 30d\s+75\.0%\s+2\.00x$/m);
    assert.match(text, /^  always-app-1\s+ACTIVE now\s+alerts DiskAlmostFull$/m);
    // --json is the same object.
    assert.deepEqual(JSON.parse(JSON.stringify(s)).slos, s.slos);
  } finally {
    await conn.close();
  }
});

test("status: no critical firing exits 0; ages read well", () => {
  const s = { environment: "x", hub: "h", generatedAt: new Date().toISOString(), alerts: [], downTargets: [], slos: [], uptime: [], maintenance: [] };
  assert.equal(statusExitCode(s), 0);
  assert.match(formatStatus(s), /FIRING: none\n\nTARGETS DOWN: none\n$/);
  assert.deepEqual([45, 60, 3599, 3600 + 5 * 60, 2 * 86400 + 4 * 3600].map(formatAge), ["45s", "1m", "59m", "1h05m", "2d04h"]);
});

test("vigil status without a reachable hub exits 2 and says why; bad arguments exit 1", async () => {
  const unreachable = await runVigil(["status", "stacks/local.yaml", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(unreachable.code, 2, unreachable.stderr);
  assert.match(unreachable.stderr, /^vigil status: cannot reach the hub:\n  root@127\.0\.0\.1:1: .*refused/m);
  const usage = await runVigil(["status"]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /usage: vigil status <spec>/);
  const missing = await runVigil(["status", "nope.yaml", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.yaml: cannot read spec: no such file/);
});
