// What `vigil local status` checks over HTTP on one host of a fleet: node services at the host's
// private address (where the hubs reach them), hub services on loopback. The units come from
// provisioning/watched-services.ts (runningUnits), the ports from provisioning/service-ports.ts.
import type { Host, Spec } from "../../schema/spec-schema.ts";
import { hostPort } from "../../provisioning/addresses.ts";
import { ALERTMANAGER_PORT, BLACKBOX_PORT, NETDATA_PORT, NODE_EXPORTER_PORT, PROMETHEUS_PORT } from "../../provisioning/service-ports.ts";

export interface StatusReport {
  ok: boolean;
  lines: string[];
}

export function hostEndpoints(spec: Spec, host: Host, address: string): { name: string; url: string }[] {
  const e: { name: string; url: string }[] = [];
  const at = (a: string, port: number) => `http://${hostPort(a, port)}`;
  const streamingParent = host.roles.includes("hub") && spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey !== undefined;
  if ((host.roles.includes("node") && spec.stack.netdata.enabled) || streamingParent) e.push({ name: "Netdata", url: `${at(address, NETDATA_PORT)}/api/v1/info` });
  if (host.roles.includes("node") && spec.stack.nodeExporter.enabled) e.push({ name: "node_exporter", url: `${at(address, NODE_EXPORTER_PORT)}/metrics` });
  if (host.roles.includes("hub")) {
    e.push({ name: "Prometheus", url: `${at("127.0.0.1", PROMETHEUS_PORT)}/-/ready` });
    e.push({ name: "Alertmanager", url: `${at("127.0.0.1", ALERTMANAGER_PORT)}/-/ready` });
    e.push({ name: "blackbox_exporter", url: `${at("127.0.0.1", BLACKBOX_PORT)}/metrics` });
  }
  return e;
}
