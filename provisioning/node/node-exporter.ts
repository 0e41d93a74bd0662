// Prometheus node_exporter (Debian: prometheus-node-exporter 1.5). Debian's unit runs
// `/usr/bin/prometheus-node-exporter $ARGS` with ARGS from /etc/default/prometheus-node-exporter;
// by default it listens on *:9100 and leaves the systemd collector off (FIELD-NOTES).
import type { Host, Spec } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile, PlanStep } from "../plan.ts";
import { debianServiceStep, defaultsFile, defaultsPath, defaultsText, dropInFile, serviceOffStep } from "../debian-service.ts";
import { systemdUnitInclude } from "../watched-services.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { NODE_EXPORTER_PORT } from "../service-ports.ts";
import { NODE_EXPORTER_UNIT } from "../service-units.ts";

export const NODE_EXPORTER_PACKAGE = "prometheus-node-exporter";
export const NODE_EXPORTER_DEFAULTS = defaultsPath(NODE_EXPORTER_PACKAGE);
const EXEC_START = `/usr/bin/${NODE_EXPORTER_PACKAGE}`;
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

/** /etc/default/prometheus-node-exporter (debian-service.ts says how both systemd and sh read it). */
export const nodeExporterDefaultsFile = (args: string[]): string =>
  defaultsText(NODE_EXPORTER_DEFAULTS, args, { execStart: EXEC_START });

/**
 * A drop-in that starts node_exporter after the network is configured: bound to the VPC address
 * only, it would exit at boot if it started before that address exists, and give up after
 * systemd's start limit. GOGC=50: each scrape (every 5 s from each hub) allocates afresh and the
 * live heap is small, so Go's default (collect when the heap has doubled) keeps mostly garbage;
 * at 50 a fleet node's node_exporter held 12.8 to 13.9 MiB PSS instead of 16.8 to 19.6
 * (BENCHMARKS.md), for a few more collections per scrape.
 */
export const NODE_EXPORTER_DROPIN = `# Written by vigil: node_exporter binds the VPC address, which must exist first.
[Unit]
Wants=network-online.target
After=network-online.target

[Service]
RestartSec=5s
# Collect when the heap has grown by half (Go's default: double): scrapes leave mostly garbage.
Environment=GOGC=50
`;

export function nodeExporterFiles(spec: Spec, host: Host, ctx: PlanContext): PlanFile[] {
  return [
    defaultsFile(NODE_EXPORTER_PACKAGE, nodeExporterArgs(spec, host, ctx), { execStart: EXEC_START }),
    dropInFile(NODE_EXPORTER_UNIT, NODE_EXPORTER_DROPIN),
  ];
}

/** node_exporter has no config check; its flag parser rejects unknown flags before --help runs. */
const CHECK_FLAGS = `(set -f; . ${NODE_EXPORTER_DEFAULTS} && prometheus-node-exporter $ARGS --help >/dev/null)`;

export function nodeExporterStep(spec: Spec, host: Host, ctx: PlanContext): PlanStep {
  return debianServiceStep({
    id: "node-exporter",
    description: `node_exporter on ${nodeExporterListenAddresses(host, ctx).join(" and ")} with the systemd and textfile collectors`,
    // dbus: the systemd collector asks systemd over the system bus (a Recommends, kept out otherwise).
    packages: [NODE_EXPORTER_PACKAGE, "dbus"],
    units: [NODE_EXPORTER_UNIT],
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
