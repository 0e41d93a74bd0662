// What the e2e host runs before vigil touches it (an application host: a PM2 app, SQLite files,
// a systemd service, a small data disk) and the spec that monitors it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { sshRun, type SshTarget } from "../../../bin/ssh-transport.ts";
import { durationSeconds } from "../../../schema/durations.ts";

export const E2E_HOST = "box";
export const APP_DB = "/srv/e2e/app.db";
export const GONE_DB = "/srv/e2e/gone.db";
export const DISK_MOUNT = "/srv/e2e-disk";
export const SERVICE = "e2e-app";
/** The application's web server: a systemd unit on the container, probed by the spec's uptime check. */
export const WEB_SERVICE = "e2e-web";
export const UPTIME_CHECK = "web";
export const PM2_USER = "deploy";
export const PM2_APP = "e2e-api";
export const PM2_VERSION = "7.0.4";
export const PM2_HOME = `/home/${PM2_USER}/.pm2`;
/** A job of the app's user that reports success every HEARTBEAT_EVERY through vigil-heartbeat (a systemd timer: minbase has no cron). */
export const HEARTBEAT = "e2e-backup";
export const HEARTBEAT_TIMER = `${HEARTBEAT}.timer`;
export const HEARTBEAT_EVERY = "10s";
export const pm2 = (args: string) =>
  `runuser -u ${PM2_USER} -- env HOME=/home/${PM2_USER} PM2_HOME=${PM2_HOME} node /opt/pm2/node_modules/pm2/bin/pm2 ${args}`;

export interface SpecParams {
  receiverPort: number;
  /** Scrape and evaluation interval, e.g. "5s". */
  interval: string;
  /** Disk critical threshold (percent). */
  diskCritical?: number;
  /** The loopback port of the container's web server (WEB_SERVICE), the uptime check's target. */
  webPort: number;
  /**
   * A variant whose apply restarts services (node_exporter: one more watched unit; the agent: a
   * database's size limit), for the healthy soak: a re-apply must not page.
   */
  restartVariant?: boolean;
}

/** The e2e spec: one host with both roles, everything on loopback, alerts to the receiver. */
export function e2eSpecText(p: SpecParams): string {
  return `version: 1
environment: e2e
project: vigil
region: fra1
hosts:
  - name: ${E2E_HOST}
    roles: [node, hub]
    services: [${SERVICE}${p.restartVariant ? `, ${WEB_SERVICE}` : ""}]
    agent:
      sqlite:
        - { path: ${APP_DB}, maxSizeMB: ${p.restartVariant ? 51 : 50}, integrityEvery: 1m }
        - { path: ${GONE_DB}, maxSizeMB: 50, integrityEvery: 1h }
      pm2:
        - { user: ${PM2_USER}, apps: [${PM2_APP}] }
stack:
  crowdsec: { enabled: true, centralApi: false, firewallBouncer: false }
  fail2ban: { enabled: true, maxretry: 3, findtime: 10m, bantime: 10m }
intervals: { scrape: ${p.interval}, evaluation: ${p.interval} }
thresholds:
  # The container shares this machine's kernel: node_exporter sees the CPU and load of every
  # test running on the machine. Those alerts are proven by promtool tests, not here.
  cpu: { warning: 99.5, critical: 100 }
  load: { warning: 100, critical: 200 }
  disk: { warning: 80, critical: ${p.diskCritical ?? 90}, for: 5s }
uptime:
  # The container's own web server, not this test process: a test that keeps its event loop busy
  # must not look like a site that is down.
  - name: ${UPTIME_CHECK}
    url: http://127.0.0.1:${p.webPort}/health
alerts:
  receivers:
    hook: { webhook: { url: "http://127.0.0.1:${p.receiverPort}/alerts" } }
  routes:
    - { to: [hook] }
  # No wait: critical alerts wait one evaluation (the default under test), others 30s.
  grouping: { by: [alertname, host], interval: 5s, repeat: 1h }
  heartbeat: hook
# Short: the stopped heartbeat must page within the parallel faults' wait (every + grace = 30s at
# 5s); the grace is at least two scrapes (cross-checks.ts), so 30s at the benchmark's 15s.
heartbeats:
  - { name: ${HEARTBEAT}, host: ${E2E_HOST}, every: ${HEARTBEAT_EVERY}, grace: ${Math.max(20, 2 * durationSeconds(p.interval))}s }
`;
}

/**
 * A loopback port free right now, for the container's web server. The container shares this
 * machine's network (only one runs at a time, bin/local-target.ts), so a fixed port could meet a
 * listener of another test on the machine.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A 24 MB ext4 image mounted on this machine, to be bound into the container at DISK_MOUNT. */
export function makeLoopDisk(): { hostDir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-e2e-disk-"));
  const image = join(dir, "disk.img");
  const mnt = join(dir, "mnt");
  mkdirSync(mnt);
  execFileSync("truncate", ["-s", "24M", image]);
  execFileSync("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
  execFileSync("mount", ["-o", "loop", image, mnt]);
  return {
    hostDir: mnt,
    cleanup: () => {
      spawnSync("umount", ["-l", mnt]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PM2 and its dependencies for the container (Debian has no pm2 package), cached. */
export function pm2Bundle(cacheDir: string): string {
  const dir = join(cacheDir, `pm2-${PM2_VERSION}`);
  if (!existsSync(join(dir, "node_modules/pm2/bin/pm2"))) {
    rmSync(dir, { recursive: true, force: true });
    const r = spawnSync("npm", ["install", "--prefix", dir, "--no-audit", "--no-fund", "--omit=dev", `pm2@${PM2_VERSION}`], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm install pm2@${PM2_VERSION} failed:\n${r.stderr}`);
  }
  return dir;
}

/** Copies a local directory into the container over SSH (tar stream). */
export async function copyDir(target: SshTarget, localDir: string, remoteDir: string): Promise<void> {
  const tar = execFileSync("tar", ["-C", localDir, "-cf", "-", "."], { maxBuffer: 256 << 20 });
  const r = await sshRun(target, `mkdir -p ${remoteDir} && tar -x --no-same-owner -C ${remoteDir} -f -`, { stdin: tar, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`copy to ${remoteDir} failed: ${r.stderr}`);
}

const API_JS = `// e2e app: crash-loops while /srv/e2e/crash exists
const fs = require("node:fs");
if (fs.existsSync("/srv/e2e/crash")) { console.error("crashing on purpose"); process.exit(1); }
setInterval(() => {}, 60000);
`;

const WEB_JS = `// e2e web server: the uptime check's target
require("node:http").createServer((req, res) => res.end("ok")).listen(Number(process.argv[2]), "127.0.0.1");
`;

const ECOSYSTEM = `module.exports = { apps: [{ name: "${PM2_APP}", script: "/srv/e2e/api.js", min_uptime: 3000, max_restarts: 4, restart_delay: 500 }] };
`;

export const sqliteCreate = (path: string) =>
  `rm -f ${path} ${path}-wal ${path}-shm && sqlite3 ${path} "CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<2000) INSERT INTO t SELECT randomblob(200) FROM n;" >/dev/null && chown ${PM2_USER}: ${path}`;

/** Turns the bare container into an application host (not part of what vigil installs). */
export async function prepareAppHost(target: SshTarget, cacheDir: string, webPort: number): Promise<void> {
  const run = async (command: string, stdin?: string) => {
    const r = await sshRun(target, command, { stdin, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`preparing the app host: ${command}\n${r.stderr}${r.stdout}`);
  };
  await run(
    "set -e; export DEBIAN_FRONTEND=noninteractive; " +
      "[ -n \"$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit)\" ] || apt-get update -q >/dev/null; " +
      "apt-get install -y -q --no-install-recommends nodejs >/dev/null",
  );
  await copyDir(target, pm2Bundle(cacheDir), "/opt/pm2");
  await run(`set -e
id ${PM2_USER} >/dev/null 2>&1 || useradd -m -s /bin/bash ${PM2_USER}
mkdir -p /srv/e2e
cat > /srv/e2e/api.js <<'EOF'
${API_JS}EOF
cat > /srv/e2e/web.js <<'EOF'
${WEB_JS}EOF
cat > /srv/e2e/ecosystem.config.js <<'EOF'
${ECOSYSTEM}EOF
chown -R ${PM2_USER}: /srv/e2e
${sqliteCreate(APP_DB)}
${sqliteCreate(GONE_DB)}
cat > /etc/systemd/system/${SERVICE}.service <<'EOF'
[Unit]
Description=e2e application service
[Service]
ExecStart=/bin/sleep infinity
Restart=no
[Install]
WantedBy=multi-user.target
EOF
# The job's user may record heartbeats: the operator's grant, made before vigil runs (vigil
# creates the group only when it is missing). The timer fires every ${HEARTBEAT_EVERY} on the clock, so
# runs before vigil installed vigil-heartbeat fail harmlessly and later ones succeed.
getent group vigil-heartbeat >/dev/null || groupadd --system vigil-heartbeat
usermod -aG vigil-heartbeat ${PM2_USER}
cat > /etc/systemd/system/${HEARTBEAT}.service <<'EOF'
[Unit]
Description=e2e backup job: reports its success with vigil-heartbeat
[Service]
Type=oneshot
User=${PM2_USER}
ExecStart=/usr/local/bin/vigil-heartbeat ${HEARTBEAT}
EOF
cat > /etc/systemd/system/${HEARTBEAT_TIMER} <<'EOF'
[Timer]
OnCalendar=*-*-* *:*:00/${HEARTBEAT_EVERY.replace(/s$/, "")}
AccuracySec=1s
[Install]
WantedBy=timers.target
EOF
cat > /etc/systemd/system/${WEB_SERVICE}.service <<'EOF'
[Unit]
Description=e2e web server (uptime check target)
[Service]
ExecStart=/usr/bin/node /srv/e2e/web.js ${webPort}
User=${PM2_USER}
Restart=no
[Install]
WantedBy=multi-user.target
EOF
systemctl daemon-reload
systemctl enable --now --quiet ${SERVICE} ${WEB_SERVICE}
systemctl enable --now --quiet ${HEARTBEAT_TIMER}
systemd-run --quiet --unit=pm2-${PM2_USER} -p Type=oneshot -p RemainAfterExit=yes ${pm2("start /srv/e2e/ecosystem.config.js")}
`);
}
