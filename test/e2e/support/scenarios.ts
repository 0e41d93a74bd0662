// Faults injected into the e2e host, and the alert each must produce at the receiver.
import { detectionFloorSeconds } from "../../../provisioning/detection-timing.ts";
import { durationSeconds } from "../../../schema/durations.ts";
import type { Spec } from "../../../schema/spec-schema.ts";
import { APP_DB, DISK_MOUNT, E2E_HOST, GONE_DB, HEARTBEAT, HEARTBEAT_TIMER, PM2_APP, PM2_USER, pm2, SERVICE, sqliteCreate, UPTIME_CHECK, WEB_SERVICE } from "./fixtures.ts";
import { heartbeatDeadlineSeconds } from "../../../provisioning/rules/heartbeat-rules.ts";

export interface Scenario {
  /** Short name for the benchmark's --faults. */
  id: string;
  name: string;
  /** The alert that proves detection (any one of these label sets). */
  expect: Record<string, string>[];
  /** Remote command that causes the fault. */
  inject: string;
  /** Remote command that undoes it. */
  repair: string;
  /**
   * The detection floor (seconds) under this spec's intervals (detection-timing.ts): the suite
   * asserts detection within twice this, the benchmark reports the median next to it.
   */
  floor: (spec: Spec) => number;
}

const agentFed = (spec: Spec) => detectionFloorSeconds(spec, "agent");
const scraped = (spec: Spec) => detectionFloorSeconds(spec, "scrape");
/** Integrity runs on its schedule (integrityEvery of the app database, 1m) and fires without `for`. */
const integrity = (spec: Spec) => {
  const db = spec.hosts[0]!.agent!.sqlite.find((d) => d.path === APP_DB)!;
  return detectionFloorSeconds(spec, "agent", durationSeconds(db.integrityEvery));
};

/**
 * Faults that can run at the same time: each raises a critical alert, and Alertmanager's
 * inhibitions only silence warnings under a critical (HostDown, which silences everything of
 * its host, runs on its own: HOST_DOWN).
 */
export const PARALLEL_SCENARIOS: Scenario[] = [
  {
    id: "pm2-crash-loop",
    name: "pm2 app crash-looping",
    expect: [{ alertname: "Pm2AppDown", host: E2E_HOST, pm2_user: PM2_USER, app: PM2_APP }],
    inject: `touch /srv/e2e/crash && ${pm2(`restart ${PM2_APP}`)} >/dev/null`,
    repair: `rm -f /srv/e2e/crash && ${pm2(`restart ${PM2_APP}`)} >/dev/null`,
    floor: agentFed,
  },
  {
    id: "sqlite-corrupted",
    name: "sqlite database corrupted",
    expect: [
      { alertname: "SqliteIntegrityFailed", host: E2E_HOST, database: "app" },
      { alertname: "SqliteUnreadable", host: E2E_HOST, database: "app" },
    ],
    // Overwrite pages 2..5 with noise; the header page stays, so the file still opens.
    inject: `sqlite3 ${APP_DB} 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null && dd if=/dev/urandom of=${APP_DB} bs=4096 seek=1 count=4 conv=notrunc status=none`,
    repair: sqliteCreate(APP_DB),
    floor: integrity,
  },
  {
    id: "sqlite-deleted",
    name: "sqlite database deleted",
    expect: [{ alertname: "SqliteUnreadable", host: E2E_HOST, database: "gone" }],
    inject: `rm -f ${GONE_DB} ${GONE_DB}-wal ${GONE_DB}-shm`,
    repair: sqliteCreate(GONE_DB),
    floor: agentFed,
  },
  {
    id: "unit-killed",
    name: "services unit killed",
    expect: [{ alertname: "HostSystemdUnitFailed", host: E2E_HOST, unit: `${SERVICE}.service` }],
    // The main process only: signalling the unit's whole cgroup, systemd in these containers can
    // report EIO for "auxiliary processes" after the main one is already dead (seen after a reboot).
    inject: `systemctl kill --kill-who=main -s KILL ${SERVICE}`,
    repair: `systemctl reset-failed ${SERVICE}; systemctl start ${SERVICE}`,
    floor: scraped,
  },
  {
    id: "disk-filling",
    name: "disk filling",
    expect: [{ alertname: "HostDiskHigh", host: E2E_HOST, mountpoint: DISK_MOUNT, severity: "critical" }],
    inject: `avail=$(df --output=avail -B1 ${DISK_MOUNT} | tail -1); fallocate -l $((avail * 97 / 100)) ${DISK_MOUNT}/fill`,
    repair: `rm -f ${DISK_MOUNT}/fill`,
    // The disk threshold's own `for` (5s in the e2e spec) instead of the confirm window.
    floor: (spec) => detectionFloorSeconds(spec, "scrape", durationSeconds(spec.thresholds.disk.for)),
  },
  {
    id: "heartbeat-missed",
    name: "heartbeat stops arriving",
    expect: [{ alertname: "HeartbeatMissed", host: E2E_HOST, heartbeat: HEARTBEAT, severity: "critical" }],
    // The job's timer stops: its last success ages past every + grace.
    inject: `systemctl stop ${HEARTBEAT_TIMER}`,
    repair: `systemctl start ${HEARTBEAT_TIMER}`,
    // every + grace instead of the confirm window (HeartbeatMissed has no `for`).
    floor: (spec) => detectionFloorSeconds(spec, "scrape", heartbeatDeadlineSeconds(spec.heartbeats.find((b) => b.name === HEARTBEAT)!)),
  },
  {
    id: "uptime-down",
    name: "uptime target down",
    expect: [{ alertname: "UptimeProbeFailed", check: UPTIME_CHECK }],
    // The site's web server stops: the hub's blackbox probe is refused at its next scrape.
    inject: `systemctl stop ${WEB_SERVICE}`,
    repair: `systemctl start ${WEB_SERVICE}`,
    floor: scraped,
  },
];

export const HOST_DOWN: Scenario = {
  id: "node-exporter-stopped",
  name: "node_exporter stopped",
  expect: [{ alertname: "HostDown", host: E2E_HOST }],
  inject: "systemctl stop prometheus-node-exporter",
  repair: "systemctl start prometheus-node-exporter",
  floor: scraped,
};

export const UNIT_KILLED = PARALLEL_SCENARIOS.find((s) => s.id === "unit-killed")!;

/** Every fault, in the order the benchmark reports them. */
export const ALL_SCENARIOS: Scenario[] = [...PARALLEL_SCENARIOS, HOST_DOWN];
