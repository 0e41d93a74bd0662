// Hub role: Prometheus, Alertmanager and the blackbox exporter, from Debian 12's packages.
//
// Steps, in order:
//   hub-packages       install the three packages; their /etc/default files are placed first, so
//                      no service ever starts listening on all interfaces (Debian's default), and
//                      before a first install a prometheus.yml with no scrape job (Debian's
//                      scrapes localhost as job "node": prometheusFirstConfig)
//   blackbox           blackbox.yml, checked with --config.check, then reloaded
//   prometheus         prometheus.yml and the rule files, checked with promtool, then reloaded
//   alertmanager       alertmanager.yml composed with its secrets, checked with amtool, then reloaded
//   hub-services       command lines and unit drop-ins; a change restarts the three services
// A config that fails its check leaves the running config in place (step-script.ts restores the
// previous files; the composed alertmanager.yml is only moved in after amtool accepted it).
import { dirname } from "node:path";
import type { Host, Spec } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile, RoleSteps } from "../plan.ts";
import { aptInstallStep } from "../apt.ts";
import { debianServiceStep, defaultsFile, dropInFile } from "../debian-service.ts";
import { BLACKBOX_PORT } from "../service-ports.ts";
import { shq } from "../shell-quote.ts";
import { ALERTMANAGER_UNIT, BLACKBOX_UNIT, PROMETHEUS_UNIT } from "../service-units.ts";
import { HUB_UNITS } from "../watched-services.ts";
import { BLACKBOX_CONFIG, blackboxArgs, blackboxConfig, blackboxDropIn } from "./blackbox.ts";
import { remoteWriteSecretFiles } from "./remote-write.ts";
import { netdataHealthStep, netdataStep, netdataStreaming } from "../node/netdata.ts";
import { netdataStreamStep } from "../node/netdata-stream.ts";
import { crowdsecStep } from "../node/crowdsec.ts";
import { crowdsecFleet, crowdsecLapiHost } from "../crowdsec-fleet.ts";
import { PROMETHEUS_CONFIG, prometheusArgs, prometheusConfig, ruleFiles } from "./prometheus.ts";
import {
  ALERTMANAGER_CONFIG,
  alertmanagerArgs,
  alertmanagerDropIn,
  alertmanagerFiles,
  composeAndCheckScript,
  installComposedConfig,
} from "./alertmanager.ts";

const PROMETHEUS_PACKAGE = "prometheus";
const ALERTMANAGER_PACKAGE = "prometheus-alertmanager";
const BLACKBOX_PACKAGE = "prometheus-blackbox-exporter";
export const HUB_PACKAGES = [PROMETHEUS_PACKAGE, ALERTMANAGER_PACKAGE, BLACKBOX_PACKAGE];

function serviceArgFiles(spec: Spec, hub: Host, ctx: PlanContext): PlanFile[] {
  return [
    defaultsFile(PROMETHEUS_PACKAGE, prometheusArgs(spec)),
    defaultsFile(ALERTMANAGER_PACKAGE, alertmanagerArgs(spec, hub, ctx)),
    defaultsFile(BLACKBOX_PACKAGE, blackboxArgs()),
    dropInFile(ALERTMANAGER_UNIT, alertmanagerDropIn()),
    dropInFile(BLACKBOX_UNIT, blackboxDropIn(spec)),
  ];
}

/**
 * Before Prometheus is first installed: a config with no scrape job in its place. Debian's own
 * prometheus.yml scrapes localhost:9090 and localhost:9100 (job "node", no host label), and the
 * postinst starts Prometheus with it; when the prometheus step then reloads into vigil's config,
 * a sample those old scrape loops write after the new remote-write queue starts is sent with the
 * new external labels: an `up{job="node"}` without a host reached VictoriaMetrics in a fleet
 * e2e run. dpkg keeps this file (--force-confold) and vigil's step replaces it moments later. Not
 * a preseed file: the two contents would then replace each other at every apply.
 */
export function prometheusFirstConfig(path = PROMETHEUS_CONFIG): string {
  return `if printf '%s\\n' "\${missing[@]}" | grep -qx ${shq(PROMETHEUS_PACKAGE)} && [ ! -e ${shq(path)} ]; then
  install -d -m 0755 ${shq(dirname(path))}
  printf '%s\\n' ${shq(FIRST_CONFIG_LINES[0])} ${shq(FIRST_CONFIG_LINES[1])} > ${shq(path)}
fi`;
}

const FIRST_CONFIG_LINES = ["# Written by vigil before the prometheus package: no scrape job until vigil's config replaces it.", "scrape_configs: []"] as const;

export const hubRoleSteps: RoleSteps = (spec, host, ctx) => {
  const argFiles = serviceArgFiles(spec, host, ctx);
  const rules = ruleFiles(spec);
  return [
    aptInstallStep({ id: "hub-packages", packages: HUB_PACKAGES, preseed: argFiles, beforeInstall: prometheusFirstConfig() }),
    debianServiceStep({
      id: "blackbox",
      description: `blackbox exporter on 127.0.0.1:${BLACKBOX_PORT} with ${spec.uptime.length} uptime check module(s)`,
      units: [BLACKBOX_UNIT],
      files: [{ path: BLACKBOX_CONFIG, mode: "0644", owner: "root:root", content: blackboxConfig(spec) }],
      validate: `prometheus-blackbox-exporter --config.check --config.file=${shq(BLACKBOX_CONFIG)} || return 1`,
    }),
    debianServiceStep({
      id: "prometheus",
      description: "Prometheus scrape config and alert rules (host, agent, uptime, SLO, watchdog)",
      units: [PROMETHEUS_UNIT],
      files: [
        { path: PROMETHEUS_CONFIG, mode: "0644", owner: "root:root", content: prometheusConfig(spec, host, ctx) },
        ...rules.map((f) => ({ path: f.path, mode: "0644", owner: "root:root", content: f.content })),
        ...remoteWriteSecretFiles(spec),
      ],
      // Checks prometheus.yml and every rule file it names.
      validate: `promtool check config ${shq(PROMETHEUS_CONFIG)} || return 1`,
    }),
    debianServiceStep({
      id: "alertmanager",
      description: `Alertmanager receivers (${Object.keys(spec.alerts.receivers).join(", ")}), routes and inhibitions`,
      units: [ALERTMANAGER_UNIT],
      files: alertmanagerFiles(spec),
      validate: composeAndCheckScript(spec),
      afterInstall: installComposedConfig(),
      probe: `[ -s ${shq(ALERTMANAGER_CONFIG)} ] || exit 1`,
    }),
    debianServiceStep({
      id: "hub-services",
      description: "Prometheus, Alertmanager and blackbox bound to 127.0.0.1 (Alertmanager of a pair: private address), enabled and running",
      units: HUB_UNITS,
      files: argFiles,
      enable: true,
      // The drop-ins are new unit configuration.
      beforeInstall: "systemctl daemon-reload",
      // Command-line flags are read only at start.
      reload: `systemctl restart ${HUB_UNITS.map(shq).join(" ")}`,
    }),
    // The fleet dashboard: this hub's Netdata is the parent the nodes stream to (installed here
    // unless the node role already did), and runs their alarms with the spec's thresholds.
    ...(netdataStreaming(spec)
      ? [...(host.roles.includes("node") ? [] : [netdataStep(spec, host, ctx), netdataHealthStep(spec)]), netdataStreamStep(spec, host, ctx)]
      : []),
    // CrowdSec as one fleet: the first hub runs the Local API every node's agent and bouncer use
    // (a hub that is also a node gets it from the node role, with its own agent).
    ...(crowdsecFleet(spec) && crowdsecLapiHost(spec)?.name === host.name && !host.roles.includes("node") ? [crowdsecStep(spec, host, ctx)] : []),
  ];
};
