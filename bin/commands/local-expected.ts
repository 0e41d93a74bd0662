// What `vigil local status` expects of a host, by the spec: the units each role keeps active and
// the HTTP endpoints that must answer. Shared by the single container and the fleet.
import type { Host, Spec } from "../../schema/spec-schema.ts";

export interface StatusReport {
  ok: boolean;
  lines: string[];
}

/** The systemd units the roles of `hosts` must keep active (default: every host of the spec). */
export function expectedUnits(spec: Spec, hosts: readonly Host[] = spec.hosts): string[] {
  const units = new Set<string>();
  const roles = new Set(hosts.flatMap((h) => h.roles));
  if (roles.has("node")) {
    if (spec.stack.netdata.enabled) units.add("netdata.service");
    if (spec.stack.nodeExporter.enabled) units.add("prometheus-node-exporter.service");
    if (spec.stack.fail2ban.enabled) units.add("fail2ban.service");
    if (spec.stack.crowdsec.enabled) units.add("crowdsec.service");
    if (hosts.some((h) => h.roles.includes("node") && h.agent)) units.add("vigil-agent.service");
    for (const h of hosts) if (h.roles.includes("node")) for (const s of h.services) units.add(s.includes(".") ? s : `${s}.service`);
  }
  if (roles.has("hub")) {
    // The fleet dashboard: the hubs' Netdata are the nodes' streaming parents.
    if (spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey) units.add("netdata.service");
    units.add("prometheus.service");
    units.add("prometheus-alertmanager.service");
    units.add("prometheus-blackbox-exporter.service");
  }
  return [...units].sort();
}

/**
 * HTTP endpoints that must answer, checked from inside the host: node services at `address`
 * (the host's private address in a fleet, where the hub reaches them), hub services on loopback.
 */
export function expectedEndpoints(spec: Spec, hosts: readonly Host[] = spec.hosts, address = "127.0.0.1"): { name: string; url: string }[] {
  const roles = new Set(hosts.flatMap((h) => h.roles));
  const e: { name: string; url: string }[] = [];
  if (roles.has("node")) {
    if (spec.stack.netdata.enabled) e.push({ name: "Netdata", url: `http://${address}:19999/api/v1/info` });
    if (spec.stack.nodeExporter.enabled) e.push({ name: "node_exporter", url: `http://${address}:9100/metrics` });
  }
  if (roles.has("hub")) {
    const parent = spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey;
    if (parent && !e.some((x) => x.name === "Netdata")) e.push({ name: "Netdata", url: `http://${address}:19999/api/v1/info` });
    e.push({ name: "Prometheus", url: "http://127.0.0.1:9090/-/ready" });
    e.push({ name: "Alertmanager", url: "http://127.0.0.1:9093/-/ready" });
    e.push({ name: "blackbox_exporter", url: "http://127.0.0.1:9115/metrics" });
  }
  return e;
}
