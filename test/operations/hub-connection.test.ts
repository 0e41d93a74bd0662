// The hub commands' connection: real SSH (a test-owned sshd on loopback) forwarding to stand-in
// HTTP services on this machine's 127.0.0.1, which play the hub's Prometheus and Alertmanager.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectHub, hubTargets, HubUnreachable, type HubPorts } from "../../bin/hub-connection.ts";
import { localOptions } from "../../bin/local-target.ts";
import { startSshd, type TestSshd } from "./sshd.ts";
import { freePort } from "../node-role/helpers.ts";
import { scratchDir } from "../scratch-dir.ts";

let sshd: TestSshd;
const servers: Server[] = [];
let ports: HubPorts;
const seen: { service: string; method: string; url: string; body: string }[] = [];

async function stand(service: string, ready = 200): Promise<number> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ service, method: req.method ?? "", url: req.url ?? "", body });
      res.writeHead(req.url === "/-/ready" ? ready : 200, { "content-type": "application/json" }).end(JSON.stringify({ service }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

before(async () => {
  sshd = await startSshd();
  ports = { prometheus: await stand("prometheus"), alertmanager: await stand("alertmanager") };
});

after(async () => {
  await sshd.stop();
  for (const s of servers) s.close();
});

test("requests reach the hub's loopback services through SSH forwards on private UNIX sockets", async () => {
  const hub = await connectHub({ targets: [sshd.target], ports });
  try {
    assert.equal(hub.where, `${sshd.target.user}@127.0.0.1:${sshd.target.port}`);
    const r = await hub.request("alertmanager", "POST", "/api/v2/silences", { comment: "x" });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { service: "alertmanager" });
    assert.deepEqual(seen.at(-1), { service: "alertmanager", method: "POST", url: "/api/v2/silences", body: '{"comment":"x"}' });
    assert.deepEqual(JSON.parse((await hub.request("prometheus", "GET", "/api/v1/query?query=up")).body), { service: "prometheus" });
  } finally {
    await hub.close();
  }
});

test("the forward's local end is a socket in a directory only this user can enter, removed on close", async () => {
  const hub = await connectHub({ targets: [sshd.target], ports });
  const sockets = readdirSync(tmpdir()).filter((d) => d.startsWith("vigil-hub-")).map((d) => join(tmpdir(), d));
  const mine = sockets.find((d) => existsSync(join(d, "prometheus.sock")));
  assert.ok(mine, "socket directory exists while connected");
  assert.equal(statSync(mine).mode & 0o777, 0o700);
  assert.ok(statSync(join(mine, "alertmanager.sock")).isSocket());
  await hub.close();
  assert.equal(existsSync(mine), false);
});

test("a pair: the first hub that answers is used; an unreachable one is skipped", async () => {
  const dead = { ...sshd.target, port: await freePort() };
  const hub = await connectHub({ targets: [dead, sshd.target], ports, timeoutMs: 5000 });
  assert.equal(hub.where, `${sshd.target.user}@127.0.0.1:${sshd.target.port}`);
  await hub.close();
});

test("a hub whose Prometheus is not ready is skipped; none reachable says why for each", async () => {
  const notReady = { ...ports, prometheus: await stand("prometheus", 503) };
  const dead = { ...sshd.target, port: await freePort() };
  await assert.rejects(connectHub({ targets: [dead, sshd.target], ports: notReady, timeoutMs: 5000 }), (err: unknown) => {
    assert.ok(err instanceof HubUnreachable);
    const lines = err.message.split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, new RegExp(`127\\.0\\.0\\.1:${dead.port}: .*(refused|closed)`, "i"));
    assert.match(lines[1]!, /Prometheus answered 503 to \/-\/ready/);
    return true;
  });
  // Nothing is left listening: a forward to a service that is down fails cleanly too.
  await assert.rejects(connectHub({ targets: [sshd.target], ports: { prometheus: await freePort(), alertmanager: ports.alertmanager } }), HubUnreachable);
});

test("without --target: the running local container's hub, only for the spec it runs", () => {
  const dir = scratchDir("vigil-local-none-");
  const o = localOptions({ VIGIL_LOCAL_DIR: dir, VIGIL_LOCAL_SLOT: join(dir, "slot.json") }, () => {});
  assert.throws(() => hubTargets("stacks/local.yaml", {}, o), /no --target given and no `vigil local up` container is running/);
  const t = hubTargets("stacks/prod.yaml", { target: ["ssh://root@203.0.113.20", "ssh://root@203.0.113.21:2200"], identity: "/k" }, o);
  assert.deepEqual(t.map((x) => [x.user, x.host, x.port, x.identity]), [["root", "203.0.113.20", 22, "/k"], ["root", "203.0.113.21", 2200, "/k"]]);
  assert.throws(() => hubTargets("x.yaml", { target: ["root@host"] }, o), /not ssh:\/\/USER@ADDR:PORT/);
});
