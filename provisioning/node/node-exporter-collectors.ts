// Debian's textfile scripts for node_exporter (prometheus-node-exporter-collectors, Debian 12:
// 0.0~git20230203). vigil uses its apt collector: prometheus-node-exporter-apt.timer runs
// apt_info.py every 15 minutes and `sponge`s its output (atomically, TMPDIR is the textfile
// directory) into /var/lib/prometheus/node-exporter/apt.prom: apt_upgrades_pending and
// node_reboot_required (/run/reboot-required exists), which HostRebootRequired reads.
//
// The package's postinst also enables timers for IPMI, Mellanox, NVMe and SMART hardware. A droplet
// has none of it and their tools (Recommends) are not installed, so those oneshots would fail every
// run and raise HostSystemdUnitFailed: this step disables them (not masked, so an operator can
// still enable one by hand on a bare-metal server).
import type { Spec } from "../../schema/spec-schema.ts";
import type { PlanStep } from "../plan.ts";
import { debianServiceStep } from "../debian-service.ts";
import { shq } from "../shell-quote.ts";
import { APT_METRICS_TIMER } from "../service-units.ts";

/** Timers of the package that read hardware a droplet does not have (never run by vigil, only disabled). */
export const HARDWARE_TIMERS = [
  "prometheus-node-exporter-ipmitool-sensor.timer",
  "prometheus-node-exporter-mellanox-hca-temp.timer",
  "prometheus-node-exporter-nvme.timer",
  "prometheus-node-exporter-smartmon.timer",
];

export function nodeExporterCollectorsSteps(spec: Spec): PlanStep[] {
  if (!spec.stack.nodeExporter.enabled) return [];
  const hardware = HARDWARE_TIMERS.map(shq).join(" ");
  return [
    debianServiceStep({
      id: "node-exporter-apt-metrics",
      description: "Debian's apt textfile collector every 15 minutes (pending upgrades, node_reboot_required); hardware collectors off",
      packages: ["prometheus-node-exporter-collectors"],
      units: [APT_METRICS_TIMER],
      files: [],
      afterInstall: `for t in ${hardware}; do
  if systemctl is-enabled --quiet "$t" 2>/dev/null || systemctl is-active --quiet "$t"; then systemctl disable --now --quiet "$t"; fi
done`,
      probe: `for t in ${hardware}; do
  ! systemctl is-enabled --quiet "$t" 2>/dev/null || exit 1
done`,
      // A timer has nothing to reload.
      reload: `systemctl restart ${shq(APT_METRICS_TIMER)}`,
    }),
  ];
}
