// Netdata streaming (Debian 12's Netdata 1.37): every node host streams its metrics to the hubs'
// Netdata, whose dashboard then shows the whole fleet (`/api/v1/info` lists them as
// mirrored_hosts). Enabled by `stack.netdata.streamApiKey`.
//
// - Child (node-only host): `[stream]` with the hubs' private addresses as `destination`, in spec
//   order; Netdata connects to the first that answers and fails over to the next.
// - Parent (hub): an `[API_KEY]` section accepting that key from the node hosts' private
//   addresses only. Health for children is off on the parent: the hub's Prometheus alerts, and
//   each child runs its own alarms.
//
// The API key is a spec secret and, for Netdata, a section name or value inside stream.conf,
// which has no include or *_file. So the plan carries a TEMPLATE with a placeholder and the
// secret as a 0600 root file; the step checks the key is a UUID (Netdata's own rule for API keys,
// and what makes it safe to substitute) and composes stream.conf (0640 root:netdata) on the host.
// The key never appears in the plan, in output or in a world-readable file.
import type { Host, Spec } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanStep } from "../plan.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { NETDATA_PORT } from "../service-ports.ts";
import { NETDATA_UNIT } from "../service-units.ts";
import { netdataStreamChild } from "./netdata.ts";
import { shq } from "../shell-quote.ts";

export const STREAM_CONF = "/etc/netdata/stream.conf";
export const STREAM_TEMPLATE = "/etc/netdata/stream.conf.vigil-template";
export const STREAM_KEY_FILE = "/etc/netdata/vigil-stream-api-key";
const PLACEHOLDER = "__VIGIL_NETDATA_STREAM_API_KEY__";

const hubs = (spec: Spec) => spec.hosts.filter((h) => h.roles.includes("hub"));

/** stream.conf of a child: the hubs in spec order, the first that answers wins. */
export function streamChildTemplate(spec: Spec, ctx: PlanContext): string {
  const destinations = hubs(spec).map((h) => hostPort(privateAddressOf(h, ctx), NETDATA_PORT));
  return `# Written by vigil: this node streams to the hubs' Netdata (stack.netdata.streamApiKey).
[stream]
\tenabled = yes
\t# Tried in order; on a lost connection the next one (failover between the hubs).
\tdestination = ${destinations.join(" ")}
\tapi key = ${PLACEHOLDER}
\ttimeout seconds = 60
\treconnect delay seconds = 5
`;
}

/** stream.conf of a parent: the key accepted from the node hosts' private addresses only. */
export function streamParentTemplate(spec: Spec, ctx: PlanContext): string {
  const children = spec.hosts.filter((h) => netdataStreamChild(spec, h)).map((h) => privateAddressOf(h, ctx));
  return `# Written by vigil: this hub's Netdata is the parent of the node hosts (stack.netdata.streamApiKey).
[stream]
\tenabled = no

[${PLACEHOLDER}]
\tenabled = yes
\tallow from = ${children.length > 0 ? children.join(" ") : "!*"}
\tdefault memory mode = dbengine
\t# The children run no alarms (netdata.conf): this parent runs them, with the spec's thresholds,
\t# while a child streams (auto). The hub's Prometheus pages; Netdata's alarms are for the dashboard.
\thealth enabled by default = auto
`;
}

/** The stream step of a host: child on node-only hosts, parent on hubs. */
export function netdataStreamStep(spec: Spec, host: Host, ctx: PlanContext): PlanStep {
  const key = spec.stack.netdata.streamApiKey;
  if (!key) throw new Error("netdataStreamStep without stack.netdata.streamApiKey");
  const child = netdataStreamChild(spec, host);
  const template = child ? streamChildTemplate(spec, ctx) : streamParentTemplate(spec, ctx);
  const checkKey = `key=$(cat ${shq(STREAM_KEY_FILE)}) || return 1
if ! [[ $key =~ ^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$ ]]; then
  echo "vigil-step: the secret ${key.secret} (stack.netdata.streamApiKey) must be a UUID, as Netdata requires (make one with uuidgen)" >&2
  return 1
fi`;
  return {
    id: "netdata-stream",
    description: child
      ? `Netdata streams to the hubs (${hubs(spec).map((h) => h.name).join(", ")}), history in RAM, ML off`
      : `Netdata parent of the node hosts (${spec.hosts.filter((h) => netdataStreamChild(spec, h)).map((h) => h.name).join(", ")})`,
    files: [
      { path: STREAM_TEMPLATE, mode: "0644", owner: "root:root", content: template },
      { path: STREAM_KEY_FILE, mode: "0600", owner: "root:root", secret: key.secret },
    ],
    probe: `systemctl is-active --quiet ${NETDATA_UNIT} || exit 1
[ -s ${shq(STREAM_CONF)} ] || exit 1
! grep -q ${shq(PLACEHOLDER)} ${shq(STREAM_CONF)} || exit 1`,
    validate: checkKey,
    // The key is hex and dashes (checked above), so it is safe inside sed's replacement.
    run: `key=$(cat ${shq(STREAM_KEY_FILE)})
candidate=${shq(`${STREAM_CONF}.vigil-candidate`)}
rm -f "$candidate"
(umask 027 && sed "s/${PLACEHOLDER}/$key/" ${shq(STREAM_TEMPLATE)} > "$candidate")
chown root:netdata "$candidate"
chmod 0640 "$candidate"
mv -f "$candidate" ${shq(STREAM_CONF)}`,
    reload: `systemctl restart ${NETDATA_UNIT}`,
  };
}
