// Prometheus node_exporter (Debian: prometheus-node-exporter 1.5). Debian's unit runs
// `/usr/bin/prometheus-node-exporter $ARGS` with ARGS from /etc/default/prometheus-node-exporter;
// by default it listens on *:9100 and leaves the systemd collector off (FIELD-NOTES).
import type { Host, Spec } from "../schema/spec-schema.ts";
import type { PlanContext, PlanFile, PlanStep } from "./plan.ts";
import { serviceOffStep, serviceStep } from "./service-step.ts";
import { systemdUnitInclude } from "./watched-services.ts";
import { hostPort, privateAddressOf } from "./addresses.ts";
import { VIGIL_PORTS } from "./ports.ts";

// Re-exported: the hub role imports them from here.
export { hostPort, privateAddressOf };

export const NODE_EXPORTER_PORT = VIGIL_PORTS.nodeExporter;
export const NODE_EXPORTER_UNIT = "prometheus-node-exporter.service";
export const NODE_EXPORTER_DEFAULTS = "/etc/default/prometheus-node-exporter";
/** Where the vigil agent writes vigil.prom: Debian's textfile directory (the package ships it, root:root 0755). */
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";

/**
 * Where node_exporter listens: 127.0.0.1, where a hub on the same host scrapes it, and the VPC
 * address, where every other hub scrapes it (a node that is also one of two hubs is scraped both
 * ways). Never all interfaces. node_exporter 1.5 takes --web.listen-address more than once.
 */
export function nodeExporterListenAddresses(host: Host, ctx: PlanContext): string[] {
  const address = privateAddressOf(host, ctx);
  return [...new Set(["127.0.0.1", address])].map((a) => hostPort(a, NODE_EXPORTER_PORT));
}

/** node_exporter's command-line flags. None contains whitespace, a quote, `\`, `$` or a backtick. */
export function nodeExporterArgs(spec: Spec, host: Host, ctx: PlanContext): string[] {
  return [
    ...nodeExporterListenAddresses(host, ctx).map((a) => `--web.listen-address=${a}`),
    "--collector.systemd",
    `--collector.systemd.unit-include=${systemdUnitInclude(spec, host)}`,
    // The include list is already narrow; the default exclude would hide a watched .mount or .target.
    "--collector.systemd.unit-exclude=",
    // node_systemd_service_restart_total: a unit in a restart loop is visible, not hidden.
    "--collector.systemd.enable-restarts-metrics",
    `--collector.textfile.directory=${TEXTFILE_DIR}`,
  ];
}

/**
 * /etc/default/prometheus-node-exporter. Read by systemd (EnvironmentFile=) and by the SysV
 * script (sourced by sh); with no backslash, `$`, quote or whitespace inside an argument both
 * read the same ARGS.
 */
export function nodeExporterDefaultsFile(args: string[]): string {
  for (const arg of args) {
    if (/[\s"'\\$`]/.test(arg)) throw new Error(`node_exporter argument ${JSON.stringify(arg)} cannot be written to ${NODE_EXPORTER_DEFAULTS}`);
  }
  return `# Written by vigil; changes here are overwritten on the next apply.
# systemd splits ARGS at whitespace: ExecStart=/usr/bin/prometheus-node-exporter $ARGS
ARGS="${args.join(" ")}"
`;
}

/**
 * A drop-in that starts node_exporter after the network is configured: bound to the VPC address
 * only, it would exit at boot if it started before that address exists, and give up after
 * systemd's start limit.
 */
export const NODE_EXPORTER_DROPIN = `# Written by vigil: node_exporter binds the VPC address, which must exist first.
[Unit]
Wants=network-online.target
After=network-online.target

[Service]
RestartSec=5s
`;

export function nodeExporterFiles(spec: Spec, host: Host, ctx: PlanContext): PlanFile[] {
  return [
    { path: NODE_EXPORTER_DEFAULTS, mode: "0644", owner: "root:root", content: nodeExporterDefaultsFile(nodeExporterArgs(spec, host, ctx)) },
    { path: `/etc/systemd/system/${NODE_EXPORTER_UNIT}.d/vigil.conf`, mode: "0644", owner: "root:root", content: NODE_EXPORTER_DROPIN },
  ];
}

/** node_exporter has no config check; its flag parser rejects unknown flags before --help runs. */
const CHECK_FLAGS = `(set -f; . ${NODE_EXPORTER_DEFAULTS} && prometheus-node-exporter $ARGS --help >/dev/null)`;

export function nodeExporterStep(spec: Spec, host: Host, ctx: PlanContext): PlanStep {
  return serviceStep({
    id: "node-exporter",
    description: `node_exporter on ${nodeExporterListenAddresses(host, ctx).join(" and ")} with the systemd and textfile collectors`,
    // dbus: the systemd collector asks systemd over the system bus (a Recommends, kept out otherwise).
    packages: ["prometheus-node-exporter", "dbus"],
    unit: NODE_EXPORTER_UNIT,
    files: nodeExporterFiles(spec, host, ctx),
    validate: `if command -v prometheus-node-exporter >/dev/null; then
  ${CHECK_FLAGS} || return 1
fi`,
    // On a fresh host the validation above ran before node_exporter existed: check once installed.
    afterInstall: `${CHECK_FLAGS} || { echo "vigil-step: prometheus-node-exporter rejects the flags in ${NODE_EXPORTER_DEFAULTS}" >&2; exit 1; }`,
    reload: `systemctl daemon-reload
systemctl restart ${NODE_EXPORTER_UNIT}`,
  });
}

/** node_exporter's step; when stack.nodeExporter is disabled, one that stops it. */
export function nodeExporterSteps(spec: Spec, host: Host, ctx: PlanContext): PlanStep[] {
  return spec.stack.nodeExporter.enabled
    ? [nodeExporterStep(spec, host, ctx)]
    : [serviceOffStep("node-exporter-off", "node_exporter disabled in the spec: stopped and disabled if present", [NODE_EXPORTER_UNIT])];
}
