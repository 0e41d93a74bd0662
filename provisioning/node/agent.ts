// The vigil health agent on node hosts (issue 5): Node >= 18 (Debian's nodejs only when none is
// there), the two files from `npm run build` (the command, and its config check beside it), its
// config (the host's `agent` block), a dedicated system user with read-only access to exactly the databases and PM2 sockets it
// watches, and a hardened resident systemd unit that publishes through node_exporter's textfile
// collector. Why resident and not a timer: BENCHMARKS.md, "vigil agent".
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { BUILT_BUNDLE, BUNDLE_FILE, CONFIG_CHECK_FILE } from "../../agent/bundle-files.ts";
import { formatDuration } from "../../schema/durations.ts";
import type { AgentConfig, Host } from "../../schema/spec-schema.ts";
import type { PlanStep, RoleSteps } from "../plan.ts";
import { agentIntervalSeconds } from "../detection-timing.ts";
import { shq } from "../shell-quote.ts";
import { AGENT_UNIT, NODE_EXPORTER_UNIT } from "../service-units.ts";
import { TEXTFILE_DIR } from "./node-exporter.ts";

export const AGENT_USER = "vigil-agent";
export const AGENT_DIR = "/usr/local/lib/vigil-agent";
export const AGENT_CONFIG = "/etc/vigil/agent.json";
export const AGENT_STATE_DIR = "/var/lib/vigil-agent";
export const TEXTFILE = `${TEXTFILE_DIR}/vigil.prom`;
/** The PATH the unit and the probes use: a Node in /usr/local/bin (n, manual installs) wins over Debian's. */
const PATH = "/usr/local/bin:/usr/bin:/bin";

/** The text of the bundle and of the config check beside it; a clear message when they have not been built. */
export function readAgentBundle(path = BUILT_BUNDLE): { bundle: string; configCheck: string } {
  const read = (file: string) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      throw new Error(`the vigil agent bundle ${file} is missing: run npm run build`);
    }
  };
  return { bundle: read(path), configCheck: read(join(dirname(path), CONFIG_CHECK_FILE)) };
}

/**
 * The unit. Resident (Restart=always); everything read-only except the textfile directory.
 * It collects every `intervalSeconds` (intervals.agent, else intervals.scrape): a slower agent
 * would add its period to every SQLite and PM2 detection (detection-timing.ts).
 */
export function agentUnit(intervalSeconds: number): string {
  return `# vigil health agent: SQLite and PM2 checks, published through node_exporter's textfile collector.
# Managed by vigil; local changes are overwritten.
[Unit]
Description=vigil health agent (SQLite and PM2 checks)
Documentation=file://${AGENT_DIR}/${BUNDLE_FILE}
After=local-fs.target ${NODE_EXPORTER_UNIT}

[Service]
Type=simple
User=${AGENT_USER}
Group=${AGENT_USER}
Environment=PATH=${PATH}
# Small V8 heaps: the agent keeps a few kilobytes of state (BENCHMARKS.md, "vigil agent").
# --lite-mode: no optimizing compiler, whose code in Debian's libnode.so.108 then stays unmapped
# (3.7 MB PSS less on a fleet node; the collection's CPU is spent in sqlite3 and PM2, not in JS).
# It turns WebAssembly off and would say so on every start unless --no-expose-wasm does first.
ExecStart=/usr/bin/env node --max-semi-space-size=1 --max-old-space-size=32 --lite-mode --no-expose-wasm ${AGENT_DIR}/${BUNDLE_FILE} --config ${AGENT_CONFIG} --textfile ${TEXTFILE} --interval ${formatDuration(intervalSeconds)} --state-dir ${AGENT_STATE_DIR}
Restart=always
RestartSec=5
StateDirectory=vigil-agent
StateDirectoryMode=0750
UMask=0022
# quick_check reads whole databases: stay behind the application for CPU and disk.
Nice=10
IOSchedulingClass=best-effort
IOSchedulingPriority=7
CPUQuota=50%
MemoryMax=128M
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${TEXTFILE_DIR}
# Databases and PM2 homes may live under /home: readable (permissions decide), never writable.
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
PrivateNetwork=yes
RestrictAddressFamilies=AF_UNIX
IPAddressDeny=any
CapabilityBoundingSet=
AmbientCapabilities=
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`;
}

/** The PM2 home of a configured daemon, as a bash expression (the user's home is looked up on the host). */
const pm2HomeExpr = (d: { user: string; pm2Home?: string }) =>
  d.pm2Home !== undefined ? shq(d.pm2Home) : `"$(getent passwd ${shq(d.user)} | cut -d: -f6)/.pm2"`;

/**
 * Read access for the agent user, by POSIX ACL (narrower than group membership):
 * - each database: r on the file and on its -wal/-shm, rx and a default ACL r on its directory (SQLite
 *   creates -wal/-shm with the database's mode; the ACL mask follows its group bits, so the
 *   database must be group-readable), x on the directories above. NEVER write: a reader that can
 *   write the directory would create -shm files the application then cannot write. A reader
 *   without write access to -shm uses SQLite's read-only shared-memory path (>= 3.22), which
 *   test/agent proves while the application holds the database open.
 * - each PM2 home: r-x on it and a default ACL rw so the rpc.sock PM2 re-creates at every start
 *   (mode 0775), pub.sock (the event bus) and pm2.pid are usable; x on the directories above. Note that who can write
 *   rpc.sock controls that PM2 (it can start processes as its user).
 */
export function accessScript(agent: AgentConfig, user = AGENT_USER): string {
  const lines = [
    `agent=${shq(user)}`,
    `warn() { echo "vigil-agent: warning: $*" >&2; }`,
    `traverse() { # x on every directory above $1`,
    `  local d; d=$(dirname "$1")`,
    `  while [ "$d" != / ]; do`,
    `    if [ -d "$d" ] && ! runuser -u "$agent" -- test -x "$d"; then setfacl -m "u:$agent:x" "$d"; fi`,
    `    d=$(dirname "$d")`,
    `  done`,
    `}`,
    `grant_db() {`,
    `  local db=$1 dir; dir=$(dirname "$db")`,
    `  if [ ! -d "$dir" ]; then warn "$dir does not exist yet; re-run vigil apply once the application created $db"; return 0; fi`,
    `  # before any ACL: once one is set, the group bits show its mask\n  if [ -e "$db" ] && (( ($(stat -c '%#a' "$db") & 040) == 0 )); then`,
    `    warn "$db is not readable by $agent: make it group-readable (chmod g+r; SQLite gives -wal/-shm the same mode, and the ACL mask follows it)"`,
    `  fi`,
    `  traverse "$db"`,
    `  # rx, not just x: the agent watches the directory (inotify needs read) to publish a deleted`,
    `  # or replaced database at once; it lists names and reads only the files its ACLs name.`,
    `  setfacl -m "u:$agent:rx" "$dir"`,
    `  setfacl -d -m "u:$agent:r" "$dir"`,
    `  for f in "$db" "$db-wal" "$db-shm"; do [ -e "$f" ] && setfacl -m "u:$agent:r" "$f"; done`,
    `  return 0`,
    `}`,
    `grant_pm2() {`,
    `  local home=$1`,
    `  if [ ! -d "$home" ]; then warn "$home does not exist yet; re-run vigil apply once PM2 has started there"; return 0; fi`,
    `  traverse "$home/rpc.sock"`,
    `  setfacl -m "u:$agent:rx" "$home"`,
    `  setfacl -d -m "u:$agent:rw" "$home"`,
    `  # pub.sock: the daemon's event bus, read for immediate publication of app exits (agent watch.ts)`,
    `  for f in "$home/rpc.sock" "$home/pub.sock" "$home/pm2.pid"; do [ -e "$f" ] && setfacl -m "u:$agent:rw" "$f"; done`,
    `  return 0`,
    `}`,
    ...agent.sqlite.map((db) => `grant_db ${shq(db.path)}`),
    ...agent.pm2.map((d) => `grant_pm2 ${pm2HomeExpr(d)}`),
  ];
  return lines.join("\n");
}

const NODE_OK = `PATH=${PATH} node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' 2>/dev/null`;

/** The agent's steps for a host, from a given bundle file (tests pass a missing one). */
export function agentStepsFrom(bundlePath: string): RoleSteps {
  return (spec, host: Host) => {
    if (!host.agent) return [];
    const { bundle, configCheck } = readAgentBundle(bundlePath);
    const packages: PlanStep = {
      id: "agent-packages",
      description: "Node >= 18 (Debian's nodejs only when none is installed), sqlite3 and acl for the vigil agent",
      files: [],
      probe: `${NODE_OK} || exit 1
for p in sqlite3 acl; do dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || exit 1; done`,
      run: `packages="sqlite3 acl"
if ! ${NODE_OK}; then packages="$packages nodejs"; fi
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]; then apt-get update -q; fi
apt-get install -y -q --no-install-recommends $packages
${NODE_OK} || { echo "vigil-agent: no Node >= 18 on PATH=${PATH} after installing nodejs" >&2; exit 1; }`,
    };
    const agent: PlanStep = {
      id: "agent",
      description: `vigil health agent: ${host.agent.sqlite.length} database(s), ${host.agent.pm2.length} PM2 daemon(s), ${TEXTFILE}`,
      files: [
        { path: `${AGENT_DIR}/${BUNDLE_FILE}`, mode: "0644", owner: "root:root", content: bundle },
        { path: `${AGENT_DIR}/${CONFIG_CHECK_FILE}`, mode: "0644", owner: "root:root", content: configCheck },
        { path: AGENT_CONFIG, mode: "0644", owner: "root:root", content: `${JSON.stringify(host.agent, null, 2)}\n` },
        { path: `/etc/systemd/system/${AGENT_UNIT}`, mode: "0644", owner: "root:root", content: agentUnit(agentIntervalSeconds(spec)) },
      ],
      probe: `id -u ${AGENT_USER} >/dev/null && systemctl is-enabled --quiet ${AGENT_UNIT} && systemctl is-active --quiet ${AGENT_UNIT}`,
      validate: `PATH=${PATH} node ${AGENT_DIR}/${BUNDLE_FILE} --config ${AGENT_CONFIG} --check-config`,
      run: `if ! id -u ${AGENT_USER} >/dev/null 2>&1; then
  useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${AGENT_USER}
fi
install -d -m 0755 ${TEXTFILE_DIR}
setfacl -m u:${AGENT_USER}:rwx ${TEXTFILE_DIR}
${accessScript(host.agent)}
systemctl daemon-reload
systemctl enable ${AGENT_UNIT}`,
      reload: `systemctl restart ${AGENT_UNIT}`,
    };
    return [packages, agent];
  };
}

/** The plan steps that install the agent on a node host with an `agent` block. */
export const agentSteps: RoleSteps = (spec, host, ctx) => agentStepsFrom(BUILT_BUNDLE)(spec, host, ctx);
