// The TCP ports vigil's own services listen on, in one place: the modules that configure each
// service read their port here, and `vigil validate` refuses an application scrape target on one
// of them (schema/cross-checks.ts). No imports: anything may depend on this module.

/** Port of each vigil service, by the piece that installs it. */
export const VIGIL_PORTS = {
  /** prometheus-node-exporter (Debian default). */
  nodeExporter: 9100,
  /** Netdata's dashboard and API (Debian default). */
  netdata: 19999,
  /** Prometheus on the hub (Debian default). */
  prometheus: 9090,
  /** Alertmanager's API on the hub (Debian default). */
  alertmanager: 9093,
  /** Alertmanager gossip between the two hubs of a pair. */
  alertmanagerCluster: 9094,
  /** prometheus-blackbox-exporter on the hub (Debian default). */
  blackbox: 9115,
} as const;

/** The port's owner when `port` is one of vigil's, else undefined. */
export function vigilPortOwner(port: number): string | undefined {
  return Object.entries(VIGIL_PORTS).find(([, p]) => p === port)?.[0];
}
