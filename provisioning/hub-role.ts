// Hub role: Prometheus, Alertmanager and the blackbox exporter, from Debian 12's packages.
//
// Steps, in order:
//   hub-packages       install the three packages; their /etc/default files are placed first, so
//                      no service ever starts listening on all interfaces (Debian's default)
//   blackbox           blackbox.yml, checked with --config.check, then reloaded
//   prometheus         prometheus.yml and the rule files, checked with promtool, then reloaded
//   alertmanager       alertmanager.yml composed with its secrets, checked with amtool, then reloaded
//   hub-services       command lines and unit drop-ins; a change restarts the three services
// A config that fails its check leaves the running config in place (step-script.ts restores the
// previous files; the composed alertmanager.yml is only moved in after amtool accepted it).
import type { Host, Spec } from "../schema/spec-schema.ts";
import type { PlanContext, PlanFile, PlanStep, RoleSteps } from "./plan.ts";
import { aptInstallStep } from "./apt.ts";
import { shq } from "./step-script.ts";
import { BLACKBOX_CONFIG, BLACKBOX_UNIT, blackboxArgs, blackboxConfig, blackboxDropIn } from "./blackbox.ts";
import { remoteWriteSecretFiles } from "./remote-write.ts";
import { netdataStep, netdataStreaming } from "./netdata.ts";
import { netdataStreamStep } from "./netdata-stream.ts";
import { PROMETHEUS_CONFIG, PROMETHEUS_UNIT, prometheusArgs, prometheusConfig, ruleFiles } from "./prometheus.ts";
import {
  ALERTMANAGER_CONFIG,
  ALERTMANAGER_UNIT,
  alertmanagerArgs,
  alertmanagerFiles,
  alertmanagerSecrets,
  composeAndCheckScript,
  installComposedConfig,
} from "./alertmanager.ts";

export const HUB_PACKAGES = ["prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"];
// A function, not a constant: plan.ts imports this module, and the modules here import (through
// step-script.ts) plan.ts, so top-level code must not read their exports.
const hubUnits = () => [PROMETHEUS_UNIT, ALERTMANAGER_UNIT, BLACKBOX_UNIT];

/**
 * An /etc/default file of Debian's units (`ExecStart=/usr/bin/<binary> $ARGS`, EnvironmentFile=).
 * systemd splits $ARGS at whitespace, so no argument may contain whitespace or quotes.
 */
export function defaultsFile(path: string, args: string[]): PlanFile {
  for (const arg of args) {
    if (/[\s"'\\$`]/.test(arg)) throw new Error(`argument ${JSON.stringify(arg)} cannot be written to ${path}`);
  }
  const content = `# Written by vigil; changes here are overwritten on the next apply.\nARGS="${args.join(" ")}"\n`;
  return { path, mode: "0644", owner: "root:root", content };
}

function serviceArgFiles(spec: Spec, hub: Host, ctx: PlanContext): PlanFile[] {
  const dropIn = (unit: string, content: string): PlanFile => ({ path: `/etc/systemd/system/${unit}.d/vigil.conf`, mode: "0644", owner: "root:root", content });
  // A pair's Alertmanager binds the private address, which must exist before it starts.
  const afterNetwork = `# Written by vigil.\n[Unit]\nWants=network-online.target\nAfter=network-online.target\n\n[Service]\nRestartSec=5s\n`;
  return [
    defaultsFile("/etc/default/prometheus", prometheusArgs(spec)),
    defaultsFile("/etc/default/prometheus-alertmanager", alertmanagerArgs(spec, hub, ctx)),
    defaultsFile("/etc/default/prometheus-blackbox-exporter", blackboxArgs()),
    dropIn(ALERTMANAGER_UNIT, afterNetwork),
    dropIn(BLACKBOX_UNIT, blackboxDropIn(spec)),
  ];
}

const active = (unit: string) => `systemctl is-active --quiet ${shq(unit)} || exit 1`;

/** A config step: the files, a check of them in place, and a reload of the one unit. */
function configStep(id: string, description: string, unit: string, files: PlanFile[], validate: string, run?: string): PlanStep {
  return {
    id,
    description,
    files,
    probe: active(unit),
    validate,
    ...(run !== undefined ? { run } : {}),
    reload: `systemctl reload-or-restart ${shq(unit)}`,
  };
}

export const hubRoleSteps: RoleSteps = (spec, host, ctx) => {
  const argFiles = serviceArgFiles(spec, host, ctx);
  const { substituted } = alertmanagerSecrets(spec);
  const rules = ruleFiles(spec);
  return [
    aptInstallStep({ id: "hub-packages", packages: HUB_PACKAGES, preseed: argFiles }),
    configStep(
      "blackbox",
      `blackbox exporter on 127.0.0.1:9115 with ${spec.uptime.length} uptime check module(s)`,
      BLACKBOX_UNIT,
      [{ path: BLACKBOX_CONFIG, mode: "0644", owner: "root:root", content: blackboxConfig(spec) }],
      `prometheus-blackbox-exporter --config.check --config.file=${shq(BLACKBOX_CONFIG)} || return 1`,
    ),
    configStep(
      "prometheus",
      "Prometheus scrape config and alert rules (host, agent, uptime, SLO, watchdog)",
      PROMETHEUS_UNIT,
      [
        { path: PROMETHEUS_CONFIG, mode: "0644", owner: "root:root", content: prometheusConfig(spec, host, ctx) },
        ...rules.map((f) => ({ path: f.path, mode: "0644", owner: "root:root", content: f.content })),
        ...remoteWriteSecretFiles(spec),
      ],
      // Checks prometheus.yml and every rule file it names.
      `promtool check config ${shq(PROMETHEUS_CONFIG)} || return 1`,
    ),
    {
      ...configStep(
        "alertmanager",
        `Alertmanager receivers (${Object.keys(spec.alerts.receivers).join(", ")}), routes and inhibitions`,
        ALERTMANAGER_UNIT,
        alertmanagerFiles(spec),
        composeAndCheckScript(substituted),
        installComposedConfig(),
      ),
      probe: `${active(ALERTMANAGER_UNIT)}\n[ -s ${shq(ALERTMANAGER_CONFIG)} ] || exit 1`,
    },
    {
      id: "hub-services",
      description: "Prometheus, Alertmanager and blackbox bound to 127.0.0.1 (Alertmanager of a pair: private address), enabled and running",
      files: argFiles,
      probe: hubUnits().map((u) => `systemctl is-enabled --quiet ${shq(u)} || exit 1\n${active(u)}`).join("\n"),
      run: `systemctl daemon-reload\nsystemctl enable --quiet ${hubUnits().map(shq).join(" ")}`,
      // Command-line flags are read only at start.
      reload: `systemctl restart ${hubUnits().map(shq).join(" ")}`,
    },
    // The fleet dashboard: this hub's Netdata is the parent the nodes stream to (installed here
    // unless the node role already did).
    ...(netdataStreaming(spec) ? [...(host.roles.includes("node") ? [] : [netdataStep(spec, host, ctx)]), netdataStreamStep(spec, host, ctx)] : []),
  ];
};
