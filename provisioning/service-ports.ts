// The TCP ports of the monitoring stack, one constant each: the ONE home of every port. The
// role modules bind them; the VPC firewall (components/network.ts), the policy that keeps them
// inside the VPC (policies/metrics-ports-not-public.ts), the dashboard tunnels
// (components/program.ts) and the local target's busy-port check (bin/local-target.ts) read
// them from here. Debian's packages use the same defaults; vigil only changes the addresses.

export const SSH_PORT = 22;
/** prometheus-node-exporter: /metrics (and the agent's metrics, through the textfile collector). */
export const NODE_EXPORTER_PORT = 9100;
/** Netdata's dashboard and API. */
export const NETDATA_PORT = 19999;
export const PROMETHEUS_PORT = 9090;
/** Alertmanager's API and UI; the peer hub's Prometheus sends here too. */
export const ALERTMANAGER_PORT = 9093;
/** Alertmanager's gossip between the two hubs of a pair. */
export const ALERTMANAGER_CLUSTER_PORT = 9094;
export const BLACKBOX_PORT = 9115;
/**
 * CrowdSec's Local API: loopback on a lone host; in a fleet (provisioning/crowdsec-fleet.ts) the
 * first hub's private address, open to the VPC only (the nodes' agents and bouncers).
 */
export const CROWDSEC_LAPI_PORT = 8080;
/** CrowdSec's own Prometheus endpoint (loopback only). */
export const CROWDSEC_METRICS_PORT = 6060;
/** mtail's /metrics (log-derived metrics): Debian's default port, on the private address. */
export const MTAIL_PORT = 3903;

/**
 * Ports reachable over the VPC and from nowhere else: the exporters, the dashboards and
 * Alertmanager's API and gossip. The base firewall opens them to vpc.ipRange; the
 * metrics-ports-not-public policy checks no rule opens them wider.
 */
export const METRICS_PORTS: readonly number[] = [
  NODE_EXPORTER_PORT,
  PROMETHEUS_PORT,
  ALERTMANAGER_PORT,
  ALERTMANAGER_CLUSTER_PORT,
  BLACKBOX_PORT,
  NETDATA_PORT,
  MTAIL_PORT,
];

/** Every port a host of the stack listens on, loopback-only ones included. */
export const SERVICE_PORTS: readonly number[] = [
  PROMETHEUS_PORT,
  ALERTMANAGER_PORT,
  ALERTMANAGER_CLUSTER_PORT,
  NODE_EXPORTER_PORT,
  BLACKBOX_PORT,
  NETDATA_PORT,
  CROWDSEC_LAPI_PORT,
  CROWDSEC_METRICS_PORT,
  MTAIL_PORT,
];

/**
 * What listens on each port a firewall may open, for policy messages. CrowdSec's ports are not
 * here: they are bound to loopback (the Local API of a fleet to the first hub's private address,
 * opened to the VPC by the base firewall), so a rule that opens 8080 wider concerns an
 * application's port, the common one for HTTP services.
 */
export const PORT_NAMES: Readonly<Record<number, string>> = {
  [SSH_PORT]: "SSH",
  [PROMETHEUS_PORT]: "Prometheus",
  [ALERTMANAGER_PORT]: "Alertmanager",
  [ALERTMANAGER_CLUSTER_PORT]: "Alertmanager cluster gossip",
  [NODE_EXPORTER_PORT]: "node_exporter",
  [BLACKBOX_PORT]: "blackbox exporter",
  [NETDATA_PORT]: "Netdata",
  [MTAIL_PORT]: "mtail",
};

/** `9100 (node_exporter)`; a port of no stack service as its number. */
export const describePort = (port: number): string => (PORT_NAMES[port] ? `${port} (${PORT_NAMES[port]})` : String(port));

/**
 * What binds each port of SERVICE_PORTS, or undefined for a port no stack service uses: `vigil
 * validate` refuses an application scrape target on one of them (schema/cross-checks.ts), since
 * the application could not bind it next to the stack (CrowdSec's loopback 127.0.0.1:8080 still
 * makes a wildcard bind of 8080 fail).
 */
export function servicePortOwner(port: number): string | undefined {
  if (!SERVICE_PORTS.includes(port)) return undefined;
  if (port === CROWDSEC_LAPI_PORT) return "CrowdSec Local API";
  if (port === CROWDSEC_METRICS_PORT) return "CrowdSec metrics";
  return PORT_NAMES[port];
}
