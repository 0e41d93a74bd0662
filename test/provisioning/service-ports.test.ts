// Every port and unit of the stack has one home (provisioning/service-ports.ts, service-units.ts):
// the firewall, the policies, the tunnels and the local target read the same constants the role
// modules bind, and no other module types the numbers or unit names again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT, BLACKBOX_PORT, CROWDSEC_LAPI_PORT, CROWDSEC_METRICS_PORT, METRICS_PORTS, NETDATA_PORT,
  NODE_EXPORTER_PORT, PORT_NAMES, PROMETHEUS_PORT, SERVICE_PORTS, SSH_PORT, MTAIL_PORT, describePort, servicePortOwner,
} from "../../provisioning/service-ports.ts";
import * as units from "../../provisioning/service-units.ts";
import { metricsPortsNotPublic } from "../../policies/metrics-ports-not-public.ts";
import { TUNNEL_PORTS } from "../../components/program.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { prometheusArgs } from "../../provisioning/hub/prometheus.ts";
import { alertmanagerArgs } from "../../provisioning/hub/alertmanager.ts";
import { blackboxArgs } from "../../provisioning/hub/blackbox.ts";
import { nodeExporterArgs } from "../../provisioning/node/node-exporter.ts";
import { netdataConf } from "../../provisioning/node/netdata.ts";
import { crowdsecConfigYaml } from "../../provisioning/node/crowdsec.ts";
import { edited, REPO, stack } from "../node-role/helpers.ts";

test("the role modules bind the ports the firewall, the policy and the tunnels name", () => {
  const prod = stack("prod");
  const ctx = offlineContext(prod);
  const hub = prod.hosts.find((h) => h.roles.includes("hub"))!;
  const node = prod.hosts.find((h) => h.roles.includes("node"))!;
  const pair = edited(prod, (s) => void s.hosts.push({ ...structuredClone(hub), name: "monitor-2" }));
  assert.ok(prometheusArgs(prod).includes(`--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`));
  assert.ok(alertmanagerArgs(prod, hub, ctx).includes(`--web.listen-address=127.0.0.1:${ALERTMANAGER_PORT}`));
  assert.ok(alertmanagerArgs(pair, hub, offlineContext(pair)).some((a) => a.startsWith("--cluster.listen-address=") && a.endsWith(`:${ALERTMANAGER_CLUSTER_PORT}`)));
  assert.ok(blackboxArgs().includes(`--web.listen-address=127.0.0.1:${BLACKBOX_PORT}`));
  assert.ok(nodeExporterArgs(prod, node, ctx).includes(`--web.listen-address=127.0.0.1:${NODE_EXPORTER_PORT}`));
  assert.match(netdataConf(prod, node, ctx), new RegExp(`default port = ${NETDATA_PORT}\\n`));
  const crowdsec = crowdsecConfigYaml(prod);
  assert.match(crowdsec, new RegExp(`listen_uri: 127\\.0\\.0\\.1:${CROWDSEC_LAPI_PORT}\\n`));
  assert.match(crowdsec, new RegExp(`listen_port: ${CROWDSEC_METRICS_PORT}\\n`));
  // The policy's default is the list the firewall opens to the VPC only.
  assert.deepEqual(metricsPortsNotPublic.configSchema?.properties?.ports?.default, [...METRICS_PORTS]);
  assert.deepEqual(Object.values(TUNNEL_PORTS).sort(), [ALERTMANAGER_PORT, NETDATA_PORT, PROMETHEUS_PORT].sort());
  for (const port of METRICS_PORTS) {
    assert.ok(SERVICE_PORTS.includes(port), `${port} is a service port`);
    assert.ok(PORT_NAMES[port], `${port} has a name for messages`);
  }
  // Every port a hub or node plan binds is a service port; the others are the applications' own
  // metrics endpoints the hub scrapes (hosts[].scrape), which the stack never binds.
  const appPorts = prod.hosts.flatMap((h) => h.scrape.map((t) => t.port));
  assert.ok(appPorts.length > 0, "prod has application scrape targets");
  const text = JSON.stringify(prod.hosts.map((h) => planForHost(prod, h.name, ctx)));
  for (const m of text.matchAll(/(?:127\.0\.0\.1|10\.\d+\.\d+\.\d+):(\d{4,5})\b/g)) {
    assert.ok(SERVICE_PORTS.includes(Number(m[1])) || appPorts.includes(Number(m[1])), `port ${m[1]} in the plan`);
  }
});

/** Code lines of the modules that must read ports and units from their one home (comments aside). */
function codeLines(): { where: string; line: string }[] {
  const out: { where: string; line: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith(".ts") && !/service-(ports|units)\.ts$/.test(entry.name)) {
        readFileSync(join(REPO, rel), "utf8")
          .split("\n")
          .forEach((line, i) => {
            if (!/^\s*(\/\/|\*|\/\*)/.test(line)) out.push({ where: `${rel}:${i + 1}`, line });
          });
      }
    }
  };
  for (const dir of ["provisioning", "components", "policies", "bin"]) walk(dir);
  return out;
}

test("no other module types a stack port or unit name", () => {
  const ports = new RegExp(`\\b(${SERVICE_PORTS.join("|")})\\b`);
  const unitNames = Object.values(units) as string[];
  const offenders = codeLines().filter(({ line }) => ports.test(line) || unitNames.some((u) => line.includes(`"${u}"`) || line.includes(` ${u}`)));
  assert.deepEqual(offenders.map((o) => `${o.where}: ${o.line.trim()}`), []);
});

test("servicePortOwner names what binds each service port and nothing for any other port", () => {
  // `vigil validate` refuses an application scrape target on an owned port (schema/cross-checks.ts):
  // SSH is in PORT_NAMES for firewall messages, but no stack service binds it, so it has no owner.
  assert.equal(servicePortOwner(CROWDSEC_LAPI_PORT), "CrowdSec Local API");
  assert.equal(servicePortOwner(CROWDSEC_METRICS_PORT), "CrowdSec metrics");
  assert.equal(servicePortOwner(NODE_EXPORTER_PORT), "node_exporter");
  assert.equal(servicePortOwner(MTAIL_PORT), "mtail");
  assert.equal(servicePortOwner(SSH_PORT), undefined);
  assert.equal(servicePortOwner(3000), undefined);
  for (const port of SERVICE_PORTS) assert.ok(servicePortOwner(port), `${port} has an owner`);
});

test("describePort: a stack port with its service, any other as its number", () => {
  assert.equal(describePort(NODE_EXPORTER_PORT), `${NODE_EXPORTER_PORT} (node_exporter)`);
  assert.equal(describePort(SSH_PORT), `${SSH_PORT} (SSH)`);
  assert.equal(describePort(CROWDSEC_LAPI_PORT), String(CROWDSEC_LAPI_PORT));
  assert.equal(describePort(3000), "3000");
});
