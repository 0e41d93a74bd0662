// Prometheus on the hub (Debian: prometheus 2.42): prometheus.yml, the rule files, and its
// command line. It scrapes every node's node_exporter (which also carries the vigil agent's
// metrics, through the textfile collector) and probes every uptime check through blackbox.
import { stringify } from "yaml";
import { durationSeconds } from "../../schema/durations.ts";
import type { Host, Spec } from "../../schema/spec-schema.ts";
import type { PlanContext } from "../plan.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { ALERTMANAGER_PORT, BLACKBOX_PORT, NODE_EXPORTER_PORT, PROMETHEUS_PORT } from "../service-ports.ts";
import { blackboxModule, probeTarget, scrapeTimeout } from "./blackbox.ts";
import { ruleFileYaml, ALERTMANAGER_JOB, APP_JOB, MTAIL_JOB, NODE_JOB, PROMETHEUS_JOB, UPTIME_JOB, type RuleGroup } from "../rules/rule-file.ts";
import { appRuleGroups } from "../rules/app-rules.ts";
import { monitoredNodes, hostRuleGroups } from "../rules/host-rules.ts";
import { agentRuleGroups } from "../rules/agent-rules.ts";
import { uptimeRuleGroups } from "../rules/uptime-rules.ts";
import { sloRuleGroups } from "../rules/slo-rules.ts";
import { watchdogRuleGroups } from "../rules/watchdog-rules.ts";
import { hostSystemRuleGroups } from "../rules/host-system-rules.ts";
import { selfRuleGroups } from "../rules/self-rules.ts";
import { customRuleGroups } from "../rules/custom-rules.ts";
import { logRuleGroups } from "../rules/log-rules.ts";
import { mtailAddress, mtailScrapeConfig } from "../node/mtail.ts";
import { heartbeatRuleGroups } from "../rules/heartbeat-rules.ts";
import { remoteWriteConfig } from "./remote-write.ts";

export const PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml";
export const RULES_DIR = "/etc/prometheus/vigil-rules";

/** The hub's rule files, one per family; every hub gets the same ones. */
export function ruleFiles(spec: Spec): { path: string; content: string }[] {
  const families: [string, RuleGroup[]][] = [
    ["host", [...hostRuleGroups(spec), ...hostSystemRuleGroups(spec)]],
    ["agent", agentRuleGroups(spec)],
    ["uptime", uptimeRuleGroups(spec)],
    ["slo", sloRuleGroups(spec)],
    ["self", selfRuleGroups(spec)],
    ["app", appRuleGroups(spec)],
    ["logs", logRuleGroups(spec)],
    ["custom", customRuleGroups(spec)],
    ["heartbeat", heartbeatRuleGroups(spec)],
    ["watchdog", watchdogRuleGroups(spec)],
  ];
  return families.map(([family, groups]) => ({ path: `${RULES_DIR}/${family}.yml`, content: ruleFileYaml(family, groups) }));
}

export const hubHosts = (spec: Spec): Host[] => spec.hosts.filter((h) => h.roles.includes("hub"));

/** The other hub of an HA pair, if there is one. */
export const peerHub = (spec: Spec, hub: Host): Host | undefined => hubHosts(spec).find((h) => h.name !== hub.name);

/** Where this hub reaches a node's node_exporter: over loopback for itself, else the private address. */
export const nodeExporterTarget = (node: Host, hub: Host, ctx: PlanContext): string =>
  hostPort(node.name === hub.name ? "127.0.0.1" : privateAddressOf(node, ctx), NODE_EXPORTER_PORT);

/** Alertmanagers this Prometheus sends to: its own, and the peer's so either can notify. */
export function alertmanagerTargets(spec: Spec, hub: Host, ctx: PlanContext): string[] {
  const peer = peerHub(spec, hub);
  return [hostPort("127.0.0.1", ALERTMANAGER_PORT), ...(peer ? [hostPort(privateAddressOf(peer, ctx), ALERTMANAGER_PORT)] : [])];
}

export function prometheusConfig(spec: Spec, hub: Host, ctx: PlanContext): string {
  const nodes = monitoredNodes(spec);
  const scrapeConfigs: Record<string, unknown>[] = [];
  if (nodes.length > 0) {
    scrapeConfigs.push({
      job_name: NODE_JOB,
      static_configs: nodes.map((node) => ({ targets: [nodeExporterTarget(node, hub, ctx)], labels: { host: node.name } })),
    });
  }
  if (spec.uptime.length > 0) {
    scrapeConfigs.push({
      job_name: UPTIME_JOB,
      metrics_path: "/probe",
      // `__param_module` becomes the module URL parameter; `check` stays on every probe series.
      static_configs: spec.uptime.map((check) => ({
        targets: [probeTarget(check)],
        labels: { check: check.name, __param_module: blackboxModule(check) },
      })),
      relabel_configs: [
        { source_labels: ["__address__"], target_label: "__param_target" },
        { source_labels: ["__param_target"], target_label: "instance" },
        { target_label: "__address__", replacement: hostPort("127.0.0.1", BLACKBOX_PORT) },
      ],
    });
  }
  // The applications' own endpoints: one scrape config each (path, scheme and interval are per
  // target), all with job="app" so rules select them as one job.
  for (const host of spec.hosts) {
    for (const target of host.scrape) {
      scrapeConfigs.push({
        job_name: `${APP_JOB}-${host.name}-${target.name}`,
        ...(target.interval !== undefined ? { scrape_interval: target.interval } : {}),
        metrics_path: target.path,
        scheme: target.scheme,
        static_configs: [
          {
            targets: [hostPort(host.name === hub.name ? "127.0.0.1" : privateAddressOf(host, ctx), target.port)],
            labels: { ...target.labels, job: APP_JOB, host: host.name, app: target.name },
          },
        ],
      });
    }
  }
  // Each node's mtail (log-derived metrics), at its private address: mtail binds that one address.
  for (const host of spec.hosts) {
    if (host.roles.includes("node") && host.logs.length > 0) scrapeConfigs.push(mtailScrapeConfig(host, mtailAddress(host, ctx), MTAIL_JOB));
  }
  // Itself and its own Alertmanager, over loopback: the self-monitoring alerts (rules/self-rules.ts).
  scrapeConfigs.push(
    { job_name: PROMETHEUS_JOB, static_configs: [{ targets: [hostPort("127.0.0.1", PROMETHEUS_PORT)], labels: { host: hub.name } }] },
    { job_name: ALERTMANAGER_JOB, static_configs: [{ targets: [hostPort("127.0.0.1", ALERTMANAGER_PORT)], labels: { host: hub.name } }] },
  );
  const config = {
    global: {
      scrape_interval: spec.intervals.scrape,
      scrape_timeout: scrapeTimeout(spec),
      evaluation_interval: spec.intervals.evaluation,
      // Both hubs of a pair carry the same labels, so Alertmanager deduplicates their alerts.
      external_labels: { environment: spec.environment },
    },
    alerting: { alertmanagers: [{ static_configs: [{ targets: alertmanagerTargets(spec, hub, ctx) }] }] },
    rule_files: ruleFiles(spec).map((f) => f.path),
    scrape_configs: scrapeConfigs,
    // The environment external label above goes with every sample sent.
    ...(spec.remoteWrite.length > 0 ? { remote_write: remoteWriteConfig(spec) } : {}),
  };
  return "# Written by vigil; changes here are overwritten on the next apply.\n" + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Retention: Debian's 15 days, or the longest SLO window plus a day, so its ratio has its data. */
export function retentionDays(spec: Spec): number {
  const longest = Math.max(0, ...spec.slos.map((s) => durationSeconds(s.window)));
  return Math.max(15, Math.ceil(longest / 86400) + 1);
}

export const prometheusArgs = (spec: Spec): string[] => [
  `--web.listen-address=${hostPort("127.0.0.1", PROMETHEUS_PORT)}`,
  `--storage.tsdb.retention.time=${retentionDays(spec)}d`,
];
