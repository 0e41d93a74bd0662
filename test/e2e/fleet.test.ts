// The fleet for real: `vigil local up` of a four-host spec boots four Debian 12 containers, each in
// its own network namespace on a private bridge, and applies each host's own plan over SSH at its
// private address. Proven here: the private network (no route out), every hub scraping every node
// at its private address, nothing listening on a wildcard address, the HA pair notifying exactly
// once and still notifying with one hub dead, remote_write into VictoriaMetrics, CrowdSec as one
// fleet (a brute force app-1's agent detects is banned by app-2's bouncer), and a second up that
// changes nothing. Subtests run in order on the one fleet.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { bootFleet, fleetStatus, purgeFleet, stopFleet } from "../../bin/local-fleet.ts";
import { fleetPlans, fleetStatusReport, fleetUp } from "../../bin/commands/local-fleet.ts";
import { FLEET_BRIDGE, namespaceRoutes } from "../../bin/local-network.ts";
import { sshClose, sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import type { HostPlan } from "../../provisioning/plan.ts";
import { AlertReceiver } from "./support/receiver.ts";
import { SLOT_WAIT_MS } from "./support/target.ts";
import { ATTACKER, FLEET_RANGE, FLEET_SERVICE, fleetOptions, fleetSecrets, fleetSpecText, GATEWAY, prepareFleetNode, RECEIVER_PORT, startVictoriaMetrics, type VictoriaMetrics, VM_PORT } from "./support/fleet-fixtures.ts";

const o = fleetOptions();
const receiver = new AlertReceiver();
let vm: VictoriaMetrics | undefined;
let targets: Record<string, SshTarget> = {};
let spec: Spec;
let plans: HostPlan[];
const results: Record<string, number> = {};
const env = fleetSecrets();
const NODES = ["app-1", "app-2"];
const HUBS = ["hub-a", "hub-b"];
const addressOf = (host: string) => `${GATEWAY.replace(/\.1$/, "")}.${2 + ["app-1", "app-2", "hub-a", "hub-b"].indexOf(host)}`;

before(async () => {
  const r = loadSpecText(fleetSpecText(), "fleet.yaml");
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.errors));
  spec = r.spec;
  // Computed once: the shared tree's agent bundle may be rebuilt mid-run.
  plans = fleetPlans(spec);
});

after(async () => {
  try {
    await Promise.all(Object.values(targets).map((t) => sshClose(t)));
    await stopFleet(o);
    purgeFleet(o);
  } finally {
    await vm?.stop();
    await receiver.stop();
    if (process.env.VIGIL_E2E_RESULTS) process.stderr.write(`# fleet results ${JSON.stringify(results)}\n`);
  }
  assert.equal(fleetStatus(o).running, false);
  assert.equal(spawnSync("ip", ["link", "show", "dev", FLEET_BRIDGE], { stdio: "ignore" }).status, 1, "the bridge is gone");
  assert.ok(!spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.includes("vigil-"), "the namespaces are gone");
});

async function sh(host: string, command: string): Promise<string> {
  const r = await sshRun(targets[host]!, command, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `${host}: remote command failed (${r.code}): ${command}\n${r.stderr}`);
  return r.stdout;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${String(last)})` : ""}`);
}

const record = (t: { diagnostic: (m: string) => void }, name: string, seconds: number) => {
  results[name] = Number(seconds.toFixed(1));
  t.diagnostic(`${name}: ${seconds.toFixed(1)} s`);
};

test("four bare containers on a private bridge become a monitored fleet", { timeout: 1_200_000 }, async (t) => {
  const t0 = performance.now();
  const boot = await bootFleet(o, spec, { fresh: true, waitSlotMs: SLOT_WAIT_MS });
  targets = boot.targets;
  record(t, "fleet boot (4 hosts)", (performance.now() - t0) / 1000);
  await receiver.start(RECEIVER_PORT, GATEWAY);
  vm = await startVictoriaMetrics(o.stateDir);
  for (const n of NODES) await sh(n, prepareFleetNode(n === "app-1"));
  const t1 = performance.now();
  const log: string[] = [];
  const up = await fleetUp(o, spec, { plans, env, out: (l) => log.push(l) });
  const failed = up.outcomes.filter((x) => x.failure);
  assert.deepEqual(failed.map((x) => x.failure), [], log.join("\n"));
  assert.deepEqual(up.outcomes.map((x) => x.host), [...NODES, ...HUBS], "nodes first, then hubs");
  assert.ok(up.outcomes.every((x) => x.steps.every((s) => s.status === "changed")), log.join("\n"));
  assert.match(log.join("\n"), /^app-1 \[ ?1\/\d+\] netdata\s+changed/m, "progress lines carry the host name");
  record(t, "bare fleet to monitored: apply (4 hosts)", (performance.now() - t1) / 1000);
  // The nodes' CrowdSec agents were applied before hub-a's Local API existed: they retry every 30 s.
  const report = await until("every host healthy", 120_000, async () => {
    const r = await fleetStatusReport(o, spec);
    return r.ok ? r : undefined;
  });
  for (const h of [...NODES, ...HUBS]) assert.ok(report.lines.some((l) => l.startsWith(`${h} ${addressOf(h)} `)), report.lines.join("\n"));
});

test("the private network: own namespaces, no route out, sshd and services on private addresses", async () => {
  for (const h of [...NODES, ...HUBS]) {
    const routes = namespaceRoutes(`vigil-${h}`).filter((r) => r.type === undefined || r.type === "unicast");
    assert.deepEqual(routes.map((r) => r.dst), [FLEET_RANGE], `${h}: only the bridge's subnet, no default route`);
    assert.match(await sh(h, "ip -4 -o addr show dev eth0"), new RegExp(`inet ${addressOf(h).replaceAll(".", "\\.")}/`));
    // No default route: the kernel refuses at once, nothing leaves the namespace.
    const out = await sshRun(targets[h]!, "ip route get 192.0.2.1");
    assert.notEqual(out.code, 0, `${h} has a route out: ${out.stdout}`);
  }
  assert.equal(spawnSync("cat", ["/proc/sys/net/ipv4/ip_forward"], { encoding: "utf8" }).stdout.trim(), "0", "this machine does not forward");
});

test("no metrics port (nor CrowdSec's Local API) on a wildcard address on any host; the nodes run no Local API", async () => {
  const ports = [9100, 9090, 9093, 9094, 9115, 19999, 8428, 8080];
  for (const h of [...NODES, ...HUBS]) {
    const listeners = (await sh(h, "ss -Htln | awk '{print $4}'")).trim().split("\n");
    const open = listeners.filter((l) => /^(0\.0\.0\.0|\*|\[::\]):(\d+)$/.test(l) && ports.includes(Number(l.split(":").at(-1))));
    assert.deepEqual(open, [], `${h} listens on all interfaces:\n${listeners.join("\n")}`);
  }
  assert.match(await sh("app-1", "ss -Htln | awk '{print $4}'"), new RegExp(`^${addressOf("app-1").replaceAll(".", "\\.")}:9100$`, "m"));
  // The fleet's one Local API: hub-a's private address only; nothing on 8080 on the nodes.
  assert.deepEqual((await sh("hub-a", "ss -Htln 'sport = :8080' | awk '{print $4}'")).trim().split("\n"), [`${addressOf("hub-a")}:8080`]);
  for (const n of NODES) assert.equal((await sh(n, "ss -Htln 'sport = :8080'")).trim(), "", `${n} runs a Local API`);
});

test("every hub's Prometheus has every node's node_exporter up at its private address", { timeout: 180_000 }, async () => {
  for (const hub of HUBS) {
    await until(`${hub} scrapes both nodes`, 120_000, async () => {
      const body = JSON.parse(await sh(hub, "curl -s http://127.0.0.1:9090/api/v1/targets?state=active")) as {
        data: { activeTargets: { labels: Record<string, string>; health: string; scrapeUrl: string }[] };
      };
      const node = body.data.activeTargets.filter((x) => x.labels.job === "node");
      const up = node.filter((x) => x.health === "up").map((x) => `${x.labels.host} ${x.scrapeUrl}`).sort();
      const want = NODES.map((n) => `${n} http://${addressOf(n)}:9100/metrics`);
      return JSON.stringify(up) === JSON.stringify(want) ? true : undefined;
    });
  }
});

/** The addresses in a host's CrowdSec bouncer set (nftables, table ip crowdsec). */
const bannedOn = async (host: string): Promise<string> => (await sshRun(targets[host]!, "nft list set ip crowdsec crowdsec-blacklists")).stdout;

test("CrowdSec as one fleet: a brute force app-1's agent detects is banned by app-2's bouncer too", { timeout: 300_000 }, async (t) => {
  // Both agents logged in to hub-a (1.4.6 exits when it cannot) and both bouncers pulling.
  await until("agents active and bouncers pulling from hub-a", 150_000, async () => {
    for (const n of NODES) if ((await sshRun(targets[n]!, "systemctl is-active --quiet crowdsec")).code !== 0) return undefined;
    const bouncers = (JSON.parse(await sh("hub-a", "cscli bouncers list -o json")) ?? []) as { name: string; last_pull?: string }[];
    return NODES.every((n) => bouncers.some((b) => b.name === n && (b.last_pull ?? "") !== "")) ? true : undefined;
  });
  // The machines and bouncers registered on hub-a are exactly the nodes, and no credential is in
  // a readable file: 0600 root on every host that holds one; the fleetKey itself on none.
  const machines = (JSON.parse(await sh("hub-a", "cscli machines list -o json")) ?? []) as { machineId: string }[];
  for (const n of NODES) assert.ok(machines.some((m) => m.machineId === n), JSON.stringify(machines));
  for (const n of NODES) {
    assert.equal(await sh(n, "stat -c '%a %U' /etc/crowdsec/local_api_credentials.yaml /etc/crowdsec/bouncers/crowdsec-firewall-bouncer.yaml.local"), "600 root\n600 root\n");
  }
  const fleetKey = env.VIGIL_SECRET_CROWDSEC_FLEET_KEY!;
  for (const h of [...NODES, "hub-a"]) {
    assert.equal((await sshRun(targets[h]!, `grep -rlF -- ${fleetKey} /etc /var/lib/vigil /var/log /tmp /var/tmp || true`)).stdout.trim(), "", `${h} holds the fleetKey`);
  }
  assert.equal((await bannedOn("app-2")).includes(ATTACKER), false);
  // The attacker: an address of this machine on the bridge; app-1 gets a route back to it.
  assert.equal(spawnSync("ip", ["addr", "add", `${ATTACKER}/32`, "dev", FLEET_BRIDGE]).status, 0);
  await sh("app-1", `ip route add ${ATTACKER}/32 dev eth0`);
  try {
    const t0 = performance.now();
    // Invalid users: sshd logs each one, crowdsecurity/ssh-bf overflows after 5 within seconds.
    for (let i = 0; i < 7; i++) {
      spawnSync(
        "ssh",
        ["-b", ATTACKER, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=3", "-o", "LogLevel=QUIET", `intruder${i}@${addressOf("app-1")}`, "true"],
        { stdio: "ignore", timeout: 10_000 },
      );
    }
    await until("the attacker in app-2's nftables set", 120_000, async () => ((await bannedOn("app-2")).includes(ATTACKER) ? true : undefined));
    record(t, "brute force on app-1 to ban on app-2", (performance.now() - t0) / 1000);
    // Detected by app-1's agent (not a decision added by hand): the alert names app-1 and ssh-bf.
    // (cscli prints null for no alerts.)
    const alerts = (JSON.parse(await sh("hub-a", `cscli alerts list -i ${ATTACKER} -o json`)) ?? []) as { machine_id: string; scenario: string }[];
    assert.ok(alerts.some((a) => a.machine_id === "app-1" && /^crowdsecurity\/ssh-(slow-)?bf$/.test(a.scenario)), JSON.stringify(alerts));
    // app-1's bouncer pulls on its own schedule: app-2's may have pulled first.
    await until("the attacker in app-1's nftables set too", 60_000, async () => ((await bannedOn("app-1")).includes(ATTACKER) ? true : undefined));
  } finally {
    await sshRun(targets["hub-a"]!, `cscli decisions delete -i ${ATTACKER}`);
    await sshRun(targets["app-1"]!, `ip route del ${ATTACKER}/32 dev eth0`);
    spawnSync("ip", ["addr", "del", `${ATTACKER}/32`, "dev", FLEET_BRIDGE]);
  }
});

test("the Alertmanagers are cluster peers on their private addresses", { timeout: 120_000 }, async () => {
  for (const hub of HUBS) {
    await until(`${hub} sees its peer`, 90_000, async () => {
      const status = JSON.parse(await sh(hub, "curl -s http://127.0.0.1:9093/api/v2/status")) as { cluster: { status: string; peers: { address: string }[] } };
      const peers = status.cluster.peers.map((p) => p.address).sort();
      return status.cluster.status === "ready" && JSON.stringify(peers) === JSON.stringify(HUBS.map((h) => `${addressOf(h)}:9094`)) ? true : undefined;
    });
  }
});

test("VictoriaMetrics receives both nodes' up series with host and environment labels", { timeout: 180_000 }, async () => {
  let seen: string[] = [];
  try {
    await until("up series of both nodes in VictoriaMetrics", 150_000, async () => {
      const r = (await (await fetch(`http://${GATEWAY}:${VM_PORT}/api/v1/query?query=${encodeURIComponent('up{job="node"}')}`)).json()) as {
        data: { result: { metric: Record<string, string> }[] };
      };
      seen = [...new Set(r.data.result.filter((x) => x.metric.environment === "fleet").map((x) => x.metric.host ?? "(no host)"))].sort();
      return JSON.stringify(seen) === JSON.stringify(NODES) ? true : undefined;
    });
  } catch (err) {
    // What the senders say: each hub's remote-write counters, and the store's own log.
    const senders = await Promise.all(
      HUBS.map(async (h) => {
        const m = await sshRun(targets[h]!, "curl -s http://127.0.0.1:9090/metrics | grep -E '^prometheus_remote_storage_(samples|exemplars)_(failed|retried|dropped|pending)|^prometheus_remote_storage_samples_total|^prometheus_remote_storage_highest'");
        return `${h}:\n${m.stdout.trim()}`;
      }),
    );
    throw new Error(`${String(err)}; hosts seen: ${JSON.stringify(seen)}\n${senders.join("\n")}\nvictoria-metrics log:\n${vm?.logTail() ?? ""}`);
  }
  // No hub's Prometheus ever ran Debian's own prometheus.yml (job "node" on localhost:9100, no host
  // label: a sample of it once reached the store), not even before vigil's config arrived.
  for (const hub of HUBS) {
    const q = encodeURIComponent('count(last_over_time(up{instance=~"localhost:.+"}[2h]))');
    const r = JSON.parse(await sh(hub, `curl -s 'http://127.0.0.1:9090/api/v1/query?query=${q}'`)) as { status: string; data: { result: unknown[] } };
    assert.equal(r.status, "success");
    assert.deepEqual(r.data.result, [], `${hub} scraped a localhost target`);
  }
});

/**
 * Kills the unit's main process. (`systemctl kill` also signals the unit's other processes, and
 * in these containers reports EIO for them after the main one is already dead.)
 */
const KILL_SERVICE = `kill -KILL "$(systemctl show -p MainPID --value ${FLEET_SERVICE})"`;

/** The hosts a hub's Netdata mirrors (itself and its streaming children). */
async function mirrored(hub: string): Promise<string[]> {
  const info = JSON.parse(await sh(hub, `curl -s http://127.0.0.1:19999/api/v1/info`)) as { mirrored_hosts: string[] };
  return [...info.mirrored_hosts].sort();
}

test("the fleet dashboard: the hubs' Netdata lists both nodes as streamed hosts; the key is nowhere in plain sight", { timeout: 180_000 }, async () => {
  // Each node streams to the first hub that answers; which hub's parent came up first is a race
  // of the hub phase (seen in a run with CrowdSec on hub-a): the dashboard is the hubs' together.
  await until("both nodes stream to a hub", 120_000, async () => {
    const hosts = [...(await mirrored("hub-a")), ...(await mirrored("hub-b"))];
    return NODES.every((n) => hosts.includes(n)) ? hosts : undefined;
  });
  const key = env.VIGIL_SECRET_NETDATA_STREAM_KEY!;
  assert.ok(!JSON.stringify(plans).includes(key), "the key is not in any plan");
  for (const h of ["app-1", "hub-a"]) {
    assert.equal(await sh(h, "stat -c '%a %U:%G' /etc/netdata/stream.conf /etc/netdata/vigil-stream-api-key"), "640 root:netdata\n600 root:root\n");
    assert.equal((await sshRun(targets[h]!, `grep -rlF -- ${key} /var/lib/vigil /tmp /var/tmp /etc/netdata/stream.conf.vigil-template || true`)).stdout.trim(), "");
  }
  // A child's alarms run on its parent, with the spec's thresholds (vigil's health files), and
  // not on the child (netdata.conf: [health] enabled = no).
  const alarmNames = async (host: string, path: string) =>
    Object.values((JSON.parse(await sh(host, `curl -s 'http://127.0.0.1:19999${path}api/v1/alarms?all'`)) as { alarms: Record<string, { name: string }> }).alarms).map((a) => a.name);
  const parent = (await mirrored("hub-a")).includes("app-1") ? "hub-a" : "hub-b";
  await until(`${parent} runs app-1's alarms`, 90_000, async () => ((await alarmNames(parent, "/host/app-1/")).includes("vigil_ram_usage") ? true : undefined));
  assert.deepEqual(await alarmNames("app-1", "/"), [], "app-1 runs no alarms of its own");
});

test("a unit killed on app-1 reaches the receiver on .1 exactly once through the pair", { timeout: 300_000 }, async (t) => {
  const since = Date.now();
  await sh("app-1", KILL_SERVICE);
  try {
    const labels = { alertname: "HostSystemdUnitFailed", host: "app-1", unit: `${FLEET_SERVICE}.service` };
    const hit = await receiver.waitFor(labels, { since, timeoutMs: 240_000 });
    record(t, "detect through the pair: unit killed (HostSystemdUnitFailed)", (hit.receivedAt - since) / 1000);
    // The second Alertmanager of a pair waits its peer timeout (15 s) before it would send: wait past it.
    await sleep(25_000);
    const deliveries = receiver.firing(since).filter((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v));
    assert.equal(deliveries.length, 1, `delivered ${deliveries.length} times`);
  } finally {
    await sshRun(targets["app-1"]!, `systemctl reset-failed ${FLEET_SERVICE}; systemctl start ${FLEET_SERVICE}`);
  }
});

test("with hub-a's Prometheus and Alertmanager stopped, a fault on app-2 still arrives through hub-b", { timeout: 300_000 }, async (t) => {
  await sh("hub-a", "systemctl stop prometheus prometheus-alertmanager netdata");
  const since = Date.now();
  await sh("app-2", KILL_SERVICE);
  try {
    const hit = await receiver.waitFor({ alertname: "HostSystemdUnitFailed", host: "app-2" }, { since, timeoutMs: 240_000 });
    record(t, "detect with one hub down", (hit.receivedAt - since) / 1000);
    // The nodes' Netdata failed over to the other parent.
    await until("both nodes stream to hub-b", 120_000, async () => {
      const hosts = await mirrored("hub-b");
      return NODES.every((n) => hosts.includes(n)) ? hosts : undefined;
    });
  } finally {
    await sshRun(targets["app-2"]!, `systemctl reset-failed ${FLEET_SERVICE}; systemctl start ${FLEET_SERVICE}`);
    await sshRun(targets["hub-a"]!, "systemctl start prometheus prometheus-alertmanager netdata");
  }
});

/** PSS (MiB) of every process in each unit's cgroup on a host, from /proc/PID/smaps_rollup. */
const PSS_BY_UNIT = `for u in netdata prometheus-node-exporter crowdsec crowdsec-firewall-bouncer vigil-agent fail2ban; do
  cg=$(systemctl show -p ControlGroup --value "$u.service" 2>/dev/null)
  kb=0 pids=""
  if [ -n "$cg" ] && [ -f "/sys/fs/cgroup$cg/cgroup.procs" ]; then pids=$(cat "/sys/fs/cgroup$cg/cgroup.procs")
  else main=$(systemctl show -p MainPID --value "$u.service" 2>/dev/null); [ "\${main:-0}" = 0 ] || pids="$main $(pgrep -P "$main" | tr '\\n' ' ')"; fi
  for pid in $pids; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null); kb=$((kb + \${v:-0}))
  done
  echo "$u $kb"
done`;

test("the node role's idle memory on app-1 (streaming child, fleet CrowdSec agent, the vigil agent): recorded", async (t) => {
  // The median of five readings 10 s apart: a Go daemon's heap saws between collections, and one
  // reading landed anywhere in a 5 MB range for node_exporter.
  const samples: Map<string, number>[] = [];
  for (let i = 0; i < 5; i++) {
    if (i > 0) await sleep(10_000);
    samples.push(new Map((await sh("app-1", PSS_BY_UNIT)).trim().split("\n").map((l) => l.split(" ")).map(([unit, kb]) => [unit!, Number(kb)])));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows = [...samples[0]!.keys()].map((unit) => [unit, median(samples.map((m) => m.get(unit) ?? 0))] as const);
  let total = 0;
  const mib = (name: string, kb: number) => {
    results[name] = Number((kb / 1024).toFixed(1));
    t.diagnostic(`${name}: ${(kb / 1024).toFixed(1)} MiB`);
  };
  for (const [unit, kb] of rows) {
    total += kb;
    mib(`app-1 PSS ${unit}`, kb);
  }
  mib("app-1 PSS node role total", total);
  assert.ok(total > 0);
  // The streaming child runs no tc or nfacct plugin (netdata.ts); before that change app-1's
  // Netdata ran both (nfacct.plugin and tc-qos-helper.sh, seen in a fleet run).
  assert.equal((await sshRun(targets["app-1"]!, "pgrep -f 'nfacct.plugin|tc-qos-helper'")).stdout.trim(), "");
  assert.notEqual((await sshRun(targets["app-1"]!, "pgrep -x netdata")).stdout.trim(), "", "app-1's Netdata runs");
  // Nor charts of itself or a statsd server: Netdata 1.37 reads both [plugins] keys (an unknown key
  // would be ignored silently). Before, 114 of app-1's 316 charts were Netdata's own, 9 statsd's.
  const charts = JSON.parse(await sh("app-1", "curl -s http://127.0.0.1:19999/api/v1/charts")) as { charts: Record<string, { plugin: string }> };
  const plugins = new Set(Object.values(charts.charts).map((c) => c.plugin));
  assert.ok(plugins.has("proc.plugin"), [...plugins].join(" "));
  assert.ok(!plugins.has("netdata") && !plugins.has("statsd.plugin"), [...plugins].join(" "));
});

test("a second up changes nothing on any host", { timeout: 600_000 }, async (t) => {
  const t0 = performance.now();
  const up = await fleetUp(o, spec, { plans, env, out: () => {} });
  assert.deepEqual(up.outcomes.flatMap((x) => x.steps.filter((s) => s.status !== "unchanged").map((s) => `${x.host}:${s.id}:${s.status}`)), []);
  assert.equal(up.outcomes.length, 4);
  record(t, "fleet no-op re-apply", (performance.now() - t0) / 1000);
});
