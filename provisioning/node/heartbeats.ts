// Heartbeats of cron jobs and backups (spec `heartbeats`): the command `vigil-heartbeat NAME` that
// a job runs after each success, and the files node_exporter's textfile collector reads from it.
// The hub's HeartbeatMissed (rules/heartbeat-rules.ts) pages when a success is overdue.
//
// Who may record a heartbeat: the members of the system group vigil-heartbeat (and root). Jobs
// rarely run as root (a backup runs as `postgres` or the app's user), and Debian's textfile
// directory is root's (0755): letting a job's user write THERE would let it replace vigil.prom of
// the agent or apt.prom. So each heartbeat's success lives in its own file in
// /var/lib/vigil-heartbeat (root:vigil-heartbeat 0775), written atomically (a temp file in the
// same directory, then rename(2)), and node_exporter reads it through a symlink that root placed
// in the textfile directory (node_exporter 1.5 opens symlinked .prom files; checked). No setuid
// binary, no sudo rule (Debian 12 droplets need not have sudo, and a sudo rule is a root path to
// review): the only thing a member can change is the content of heartbeat files. A member (or a
// cron job of another user) that writes garbage there makes that file unreadable for
// node_exporter; the heartbeat's series disappears and HeartbeatMissed still fires, counted from
// the declaration below. Membership is the operator's grant: `adduser backup vigil-heartbeat`.
// The group may exist before vigil runs (created by the operator, with members); vigil creates
// it only when missing.
//
// "Never seen" needs a start: this step records, per heartbeat, when it was first declared on the
// host (vigil_heartbeat_declared_timestamp_seconds, in vigil-heartbeats.prom; kept across applies,
// reboots and Prometheus restarts, because it lives on the host). The deadline of a heartbeat that
// never succeeded runs from there, so a fresh install is quiet until the first run is due.
import type { Heartbeat, Host, Spec } from "../../schema/spec-schema.ts";
import type { PlanStep } from "../plan.ts";
import { shq } from "../shell-quote.ts";
import { TEXTFILE_DIR } from "./node-exporter.ts";

export const HEARTBEAT_COMMAND = "/usr/local/bin/vigil-heartbeat";
/** The names this host accepts, one per line: the command refuses every other name. */
export const HEARTBEAT_NAMES = "/etc/vigil/heartbeats";
/** Where the jobs' users write: one `NAME.prom` per heartbeat. */
export const HEARTBEAT_DIR = "/var/lib/vigil-heartbeat";
export const HEARTBEAT_GROUP = "vigil-heartbeat";
/** The declarations (root's, written by this step), read by node_exporter directly. */
export const HEARTBEAT_DECLARED_FILE = `${TEXTFILE_DIR}/vigil-heartbeats.prom`;
/** The symlink node_exporter reads a heartbeat's success through. */
export const heartbeatLink = (name: string): string => `${TEXTFILE_DIR}/vigil-heartbeat-${name}.prom`;

/** Set by `vigil-heartbeat NAME`: the Unix time of the job's last success. Label `heartbeat`. */
export const LAST_SUCCESS_METRIC = "vigil_heartbeat_last_success_timestamp_seconds";
/** Set by this step: when the heartbeat was first declared on the host. Label `heartbeat`. */
export const DECLARED_METRIC = "vigil_heartbeat_declared_timestamp_seconds";

/** A heartbeat name as the schema allows it (a slug), in the shell `case` pattern the scripts use. */
const NOT_A_NAME = `''|-*|*-|*[!a-z0-9-]*`;

/** The command. POSIX sh (Debian's dash): it must run on a host without Node. */
export const heartbeatCommand = (): string => `#!/bin/sh
# vigil-heartbeat NAME: records that the job NAME succeeded just now. Written by vigil; changes
# here are overwritten on the next apply. Run it after the job, only on success:
#   30 2 * * * backup /usr/local/bin/backup.sh && ${HEARTBEAT_COMMAND} nightly-backup
# Root and the members of the group ${HEARTBEAT_GROUP} may run it. The success goes to
# ${HEARTBEAT_DIR}/NAME.prom (temp file + rename: node_exporter never reads half a file).
set -eu
names=${HEARTBEAT_NAMES}
dir=${HEARTBEAT_DIR}
fail() { echo "vigil-heartbeat: $*" >&2; exit 2; }
known() { tr '\\n' ' ' < "$names" 2>/dev/null; }
[ $# -eq 1 ] || fail "usage: vigil-heartbeat NAME (this host's heartbeats: $(known))"
name=$1
# A spec name and nothing else: it becomes a file name and a label value.
case $name in
  ${NOT_A_NAME}) fail "not a heartbeat name (lowercase letters, digits and inner dashes; this host's heartbeats: $(known))" ;;
esac
grep -qxF -e "$name" "$names" 2>/dev/null || fail "unknown heartbeat \\"$name\\" (this host's heartbeats: $(known))"
user=$(id -un)
[ -w "$dir" ] || fail "$user may not record heartbeats: add it to the group ${HEARTBEAT_GROUP} (adduser $user ${HEARTBEAT_GROUP}; then log in again)"
tmp=$(mktemp "$dir/.$name.XXXXXX") || exit 1
trap 'rm -f "$tmp"' EXIT
printf '# HELP ${LAST_SUCCESS_METRIC} When the job last reported success (vigil-heartbeat NAME).\\n# TYPE ${LAST_SUCCESS_METRIC} gauge\\n${LAST_SUCCESS_METRIC}{heartbeat="%s"} %s\\n' "$name" "$(date +%s)" > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$dir/$name.prom"
trap - EXIT
`;

/** The heartbeats the spec declares on this host. */
export const hostHeartbeats = (spec: Spec, host: Host): Heartbeat[] => spec.heartbeats.filter((b) => b.host === host.name);

/**
 * Declarations, placeholders, symlinks and the clean-up of heartbeats no longer in the spec. Reads
 * the names from HEARTBEAT_NAMES (placed by the step), so no spec value is part of the script.
 */
const setUpScript = (): string => `if ! getent group ${HEARTBEAT_GROUP} >/dev/null; then groupadd --system ${HEARTBEAT_GROUP}; fi
install -d -m 0775 -o root -g ${HEARTBEAT_GROUP} ${HEARTBEAT_DIR}
install -d -m 0755 ${TEXTFILE_DIR}
now=$(date +%s)
declared=${HEARTBEAT_DECLARED_FILE}
tmp=$(mktemp ${TEXTFILE_DIR}/.vigil-heartbeats.prom.XXXXXX)
{
  echo '# HELP ${DECLARED_METRIC} When vigil declared the heartbeat on this host: the deadline of one that never succeeded runs from here.'
  echo '# TYPE ${DECLARED_METRIC} gauge'
  while IFS= read -r name; do
    case $name in ${NOT_A_NAME}) continue ;; esac
    # A heartbeat declared before keeps its time: an apply does not restart its deadline.
    since=$(grep -F "${DECLARED_METRIC}{heartbeat=\\"$name\\"} " "$declared" 2>/dev/null | head -n 1 | cut -d ' ' -f 2 || true)
    case $since in ''|*[!0-9]*) since=$now ;; esac
    echo "${DECLARED_METRIC}{heartbeat=\\"$name\\"} $since"
    # A placeholder until the first success: a symlink to nothing would be a textfile error.
    if [ ! -e "${HEARTBEAT_DIR}/$name.prom" ]; then
      echo "# vigil-heartbeat $name: no success recorded yet" > "${HEARTBEAT_DIR}/$name.prom"
    fi
    ln -sfn "${HEARTBEAT_DIR}/$name.prom" "${TEXTFILE_DIR}/vigil-heartbeat-$name.prom"
  done < ${HEARTBEAT_NAMES}
} > "$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$declared"
# Heartbeats this host no longer has: their symlink and last success go.
for link in ${TEXTFILE_DIR}/vigil-heartbeat-*.prom; do
  [ -L "$link" ] || continue
  name=\${link#${TEXTFILE_DIR}/vigil-heartbeat-}
  name=\${name%.prom}
  if ! grep -qxF -e "$name" ${HEARTBEAT_NAMES}; then rm -f "$link" "${HEARTBEAT_DIR}/$name.prom"; fi
done`;

/** What the set-up establishes, for the probe. */
const probeScript = (): string => `getent group ${HEARTBEAT_GROUP} >/dev/null || exit 1
[ "$(stat -c '%a %U:%G' ${HEARTBEAT_DIR})" = "775 root:${HEARTBEAT_GROUP}" ] || exit 1
while IFS= read -r name; do
  [ -L "${TEXTFILE_DIR}/vigil-heartbeat-$name.prom" ] && [ -e "${HEARTBEAT_DIR}/$name.prom" ] || exit 1
  grep -qF "${DECLARED_METRIC}{heartbeat=\\"$name\\"} " ${HEARTBEAT_DECLARED_FILE} || exit 1
done < ${HEARTBEAT_NAMES}`;

/** The node step of a host with heartbeats (none without: see the README on removing the last one). */
export function heartbeatSteps(spec: Spec, host: Host): PlanStep[] {
  const beats = hostHeartbeats(spec, host);
  if (beats.length === 0 || !spec.stack.nodeExporter.enabled) return [];
  return [
    {
      id: "heartbeats",
      description: `vigil-heartbeat for ${beats.map((b) => b.name).join(", ")} (group ${HEARTBEAT_GROUP}, node_exporter textfile collector)`,
      files: [
        { path: HEARTBEAT_COMMAND, mode: "0755", owner: "root:root", content: heartbeatCommand() },
        // Names are slugs (schema), one per line: the command compares whole lines.
        { path: HEARTBEAT_NAMES, mode: "0644", owner: "root:root", content: beats.map((b) => `${b.name}\n`).join("") },
      ],
      probe: probeScript(),
      validate: `sh -n ${shq(HEARTBEAT_COMMAND)}`,
      run: setUpScript(),
    },
  ];
}
