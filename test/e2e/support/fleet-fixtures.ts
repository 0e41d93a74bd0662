// The fleet e2e: two app nodes and an HA hub pair on a private bridge, this machine at .1 with the
// alert receiver and a VictoriaMetrics (Debian's victoria-metrics) as the long-term store.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { localOptions, type LocalOptions } from "../../../bin/local-target.ts";

/** A range that overlaps no route of the CI machines (192.0.2.0/24 and the default route). */
export const FLEET_RANGE = process.env.VIGIL_E2E_FLEET_RANGE ?? "10.213.13.0/24";
export const GATEWAY = FLEET_RANGE.replace(/\.0\/\d+$/, ".1");
export const RECEIVER_PORT = 9099;
export const VM_PORT = 8428;
export const FLEET_SERVICE = "e2e-app";
export const FLEET_DB = "/srv/e2e/app.db";
/**
 * The Netdata stream API key (a UUID, as Netdata requires) and CrowdSec's fleetKey, as the
 * offline CLI reads them.
 */
export const fleetSecrets = (): NodeJS.ProcessEnv => ({
  ...process.env,
  VIGIL_SECRET_NETDATA_STREAM_KEY: randomUUID(),
  VIGIL_SECRET_CROWDSEC_FLEET_KEY: randomBytes(32).toString("hex"),
});

/**
 * The brute-forcing address: TEST-NET-2 (RFC 5737), routed nowhere on this machine. Not a
 * private address, since CrowdSec's whitelists parser (enabled by Debian's postinst) never bans
 * RFC 1918 ones. The test puts it on the bridge and gives app-1 a host route back to it.
 */
export const ATTACKER = "198.51.100.77";

/**
 * The fleet's own state dir and its own slot file: npm test runs this file beside the other e2e
 * files (test/run.sh), whose one container shares this machine's loopback. The two share nothing
 * else: the fleet's hosts live in their own namespaces on the private bridge, its receiver,
 * VictoriaMetrics and apt-cacher-ng listen on the bridge address, and the cached root is built
 * once under its own lock (local-target.ts).
 */
export function fleetOptions(log: (line: string) => void = (l) => process.stderr.write(`# ${l}\n`)): LocalOptions {
  return localOptions(
    {
      ...process.env,
      VIGIL_LOCAL_DIR: process.env.VIGIL_E2E_FLEET_DIR ?? "/var/lib/vigil-e2e-fleet",
      VIGIL_LOCAL_SLOT: process.env.VIGIL_E2E_FLEET_SLOT ?? "/run/vigil-e2e-fleet.json",
    },
    log,
  );
}

/** Two app nodes (app-1 with the agent, a SQLite file and a `services` unit) and two hubs. */
export function fleetSpecText(interval = "5s"): string {
  return `version: 1
environment: fleet
project: vigil
region: fra1
vpc: { ipRange: ${FLEET_RANGE} }
hosts:
  - name: app-1
    roles: [node]
    services: [${FLEET_SERVICE}]
    agent:
      sqlite:
        - { path: ${FLEET_DB}, maxSizeMB: 50, integrityEvery: 1h }
  - name: app-2
    roles: [node]
    services: [${FLEET_SERVICE}]
  - { name: hub-a, roles: [hub] }
  - { name: hub-b, roles: [hub] }
stack:
  netdata: { streamApiKey: { secret: netdataStreamKey } }
  # One CrowdSec fleet: hub-a runs the Local API, both nodes' agents and bouncers use it.
  crowdsec: { centralApi: false, fleetKey: { secret: crowdsecFleetKey } }
  fail2ban: { enabled: false }
intervals: { scrape: ${interval}, evaluation: ${interval} }
thresholds:
  # Containers share this machine's kernel: CPU and load are the whole machine's (see end-to-end).
  cpu: { warning: 99.5, critical: 100 }
  load: { warning: 100, critical: 200 }
alerts:
  receivers:
    hook: { webhook: { url: "http://${GATEWAY}:${RECEIVER_PORT}/alerts" } }
  routes:
    - { to: [hook] }
  grouping: { by: [alertname, host], wait: 1s, interval: 5s, repeat: 1h }
remoteWrite:
  - name: vm
    url: http://${GATEWAY}:${VM_PORT}/api/v1/write
`;
}

/** What an app host runs before vigil: the `services` unit, and on app-1 the SQLite file. */
export const prepareFleetNode = (withDb: boolean): string => `set -e
mkdir -p /srv/e2e
${withDb ? `sqlite3 ${FLEET_DB} "CREATE TABLE IF NOT EXISTS t(x); INSERT INTO t VALUES (1);"` : ""}
cat > /etc/systemd/system/${FLEET_SERVICE}.service <<'EOF'
[Unit]
Description=e2e application service
[Service]
ExecStart=/bin/sleep infinity
Restart=no
[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now --quiet ${FLEET_SERVICE}
`;

/** A running VictoriaMetrics: its log's tail for failure messages, and how to stop it. */
export interface VictoriaMetrics {
  logTail: () => string;
  stop: () => Promise<void>;
}

/**
 * VictoriaMetrics single node on the bridge address. -search.latencyOffset is 30 s by default
 * (fresh samples are invisible to queries that long); 1s keeps the wait short.
 *
 * Its data lives in `parent` (the fleet's state dir, on the disk that holds the containers' roots),
 * not under tmpdir(): below -storage.minFreeDiskSpaceBytes (10 MB) VictoriaMetrics switches its
 * storage to read-only, answers every write with 503 and every query with an empty result: a
 * healthy-looking, empty store, which is what the fleet test saw in one CI run (the cause was not
 * recorded then). Before the test relies on it, a sample is written and read back; a store that
 * refuses it fails here with its log, and a later failure prints the senders' counters.
 */
export async function startVictoriaMetrics(parent: string): Promise<VictoriaMetrics> {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, "victoria-metrics-"));
  const log = join(dir, "victoria-metrics.log");
  const logFd = openSync(log, "a");
  const child: ChildProcess = spawn(
    "victoria-metrics",
    [`-storageDataPath=${join(dir, "data")}`, `-httpListenAddr=${GATEWAY}:${VM_PORT}`, "-search.latencyOffset=1s", "-loggerLevel=WARN"],
    { stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  const logTail = () => {
    try {
      return readFileSync(log, "utf8").trim().split("\n").slice(-15).join("\n");
    } catch {
      return "";
    }
  };
  const stop = async () => {
    child.kill("SIGTERM");
    for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://${GATEWAY}:${VM_PORT}`;
  try {
    // Ours answers, not another process on the port: it must still be running once it answers.
    let healthy = false;
    for (let i = 0; i < 300 && !healthy; i++) {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited (${child.exitCode}); is the victoria-metrics package installed?`);
      healthy = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (!healthy) await sleep(100);
    }
    if (!healthy || child.exitCode !== null) throw new Error("victoria-metrics did not answer /health within 30 s");
    const write = await fetch(`${base}/api/v1/import/prometheus`, { method: "POST", body: `vigil_e2e_probe{probe="start"} 1\n` });
    if (write.status !== 204) throw new Error(`victoria-metrics refused a sample (HTTP ${write.status}: ${(await write.text()).trim()})`);
    let readBack = false;
    for (let i = 0; i < 100 && !readBack; i++) {
      await fetch(`${base}/internal/force_flush`).catch(() => undefined);
      const r = (await (await fetch(`${base}/api/v1/series?match[]=vigil_e2e_probe`)).json()) as { data: unknown[] };
      readBack = r.data.length === 1;
      if (!readBack) await sleep(100);
    }
    if (!readBack) throw new Error("victoria-metrics accepted a sample but never returned it");
  } catch (err) {
    const tail = logTail();
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail}`);
  }
  return { logTail, stop };
}
