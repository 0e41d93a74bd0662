// `vigil silence` against a real Alertmanager (the mini hub) over real SSH: a silence made for a
// host silences its firing alert in `vigil status`, is listed, and is gone after expire.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { userInfo } from "node:os";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { connectHub } from "../../bin/hub-connection.ts";
import { amExpireSilence, amPostSilence, amSilences } from "../../bin/hub-api.ts";
import { buildStatus, collectStatus } from "../../bin/fleet-status.ts";
import { buildSilence, formatSilences, listedSilences } from "../../bin/silences.ts";
import { runVigil } from "../run-vigil.ts";
import { MINI_HUB_SPEC, startMiniHub, type MiniHub } from "./mini-hub.ts";

let hub: MiniHub;
let spec: Spec;
const now = new Date("2026-12-02T19:00:00Z");
const request = { hosts: [] as string[], alerts: [] as string[], match: [] as string[], for: "2h", comment: "db migration", author: "alice" };

before(async () => {
  const r = loadSpecText(MINI_HUB_SPEC, "mini.yaml");
  assert.ok(r.ok);
  spec = r.spec;
  hub = await startMiniHub();
});
after(async () => hub?.stop());

test("a silence request becomes API v2 matchers; several hosts one escaped regex", () => {
  const one = buildSilence(spec, { ...request, hosts: ["app-1"], match: ["database=a\"b"] }, now);
  assert.ok("silence" in one);
  assert.deepEqual(one.silence, {
    matchers: [
      { name: "host", value: "app-1", isRegex: false, isEqual: true },
      { name: "database", value: 'a"b', isRegex: false, isEqual: true },
    ],
    startsAt: "2026-12-02T19:00:00.000Z",
    endsAt: "2026-12-02T21:00:00.000Z",
    createdBy: "alice",
    comment: "db migration",
  });
  const two = buildSilence(spec, { ...request, hosts: ["app-1", "hub-1"], alerts: ["A"] }, now);
  assert.ok("silence" in two);
  assert.deepEqual(two.silence.matchers[0], { name: "host", value: "app-1|hub-1", isRegex: true, isEqual: true });
});

test("bad silence requests are refused, each problem named", () => {
  const r = buildSilence(spec, { ...request, hosts: ["app-9"], alerts: ["bad name"], match: ["x", "host=y"], for: "2 hours", comment: " " }, now);
  assert.ok("errors" in r);
  assert.deepEqual(r.errors, [
    "--host app-9: no such host in the spec (hosts: app-1, hub-1)",
    "--alert bad name: not an alert name",
    "--match x: expected LABEL=VALUE with a Prometheus label name",
    "--match host=y: label host is matched twice",
    "--for 2 hours: expected a duration like 30m, 2h, 1d",
    "--comment is required: say why, for whoever sees the silence next",
  ]);
  const nothing = buildSilence(spec, request, now);
  assert.ok("errors" in nothing && nothing.errors[0]!.includes("a silence of everything is refused"));
});

test("add → the host's firing alert shows silenced in status and the silence is listed; expire → not silenced", async () => {
  const conn = await connectHub({ targets: [hub.sshd.target], ports: hub.ports });
  try {
    const built = buildSilence(spec, { ...request, hosts: ["app-1"], alerts: ["Pm2AppDown"], author: userInfo().username }, new Date());
    assert.ok("silence" in built);
    const id = await amPostSilence(conn, built.silence);
    const silenced = buildStatus(spec, await collectStatus(conn), new Date());
    const pm2 = silenced.alerts.find((a) => a.alertname === "Pm2AppDown")!;
    assert.deepEqual([pm2.silenced, pm2.silencedBy], [true, [id]]);
    assert.equal(silenced.alerts.find((a) => a.alertname === "DiskAlmostFull")!.silenced, false);
    const listed = listedSilences(await amSilences(conn), false);
    assert.deepEqual(listed.map((s) => [s.id, s.status.state, s.createdBy, s.comment]), [[id, "active", userInfo().username, "db migration"]]);
    assert.match(formatSilences(listed, new Date()), new RegExp(`^${id}  active  in (1h59m|2h00m)\\s+host="app-1", alertname="Pm2AppDown"  ${userInfo().username}  db migration$`, "m"));

    await amExpireSilence(conn, id);
    assert.deepEqual(listedSilences(await amSilences(conn), false), []);
    assert.equal(listedSilences(await amSilences(conn), true)[0]!.status.state, "expired");
    const after = buildStatus(spec, await collectStatus(conn), new Date());
    assert.equal(after.alerts.find((a) => a.alertname === "Pm2AppDown")!.silenced, false);
  } finally {
    await conn.close();
  }
});

test("vigil silence: bad input exits 1 before any connection; no hub exits 2", async () => {
  const unknownHost = await runVigil(["silence", "add", "stacks/local.yaml", "--host", "nope", "--for", "1h", "--comment", "x", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(unknownHost.code, 1);
  assert.match(unknownHost.stderr, /^vigil silence add: --host nope: no such host in the spec \(hosts: local\)$/m);
  const badId = await runVigil(["silence", "expire", "stacks/local.yaml", "12; rm -rf /", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(badId.code, 1);
  assert.match(badId.stderr, /is not a silence id/);
  const noHub = await runVigil(["silence", "list", "stacks/local.yaml", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(noHub.code, 2);
  assert.match(noHub.stderr, /cannot reach the hub/);
});
