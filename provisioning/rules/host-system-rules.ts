// Host alerts beyond CPU, memory, load and disk: what small production teams hit most (node-mixin
// and awesome-prometheus-alerts list them): HostOomKill, HostInodesLow, HostClockSkew,
// HostClockNotSynchronising, HostFileDescriptorsHigh, HostConntrackHigh, HostCpuSteal,
// HostNetworkErrors, HostRebootRequired, HostSystemdUnitCrashLooping.
//
// Metric names are those of Debian 12's node_exporter 1.5 with its default collectors (vmstat,
// filesystem, timex, filefd, conntrack, cpu, netdev) plus the systemd collector vigil enables with
// restart metrics (node-exporter.ts). node_reboot_required comes from the apt textfile script of
// Debian's prometheus-node-exporter-collectors (node-exporter-collectors.ts).
import { formatDuration } from "../../schema/durations.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { CLOCK_FOR, CLOCK_UNSYNCED_MAXERROR_SECONDS, HOST_NOISY_RATE_WINDOW, NOISY_FOR, OOM_WINDOW, REBOOT_FOR, UNIT_RESTARTS } from "./tunables.ts";
import { alertLabels, matchers, NODE_JOB, num, scrapeSpanSeconds, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { confirmFor } from "../detection-timing.ts";
import { DATA_FS, monitoredNodes } from "./host-rules.ts";

const JOB = matchers({ job: NODE_JOB });

/** Rate window of the averaged host metrics (tunables.ts HOST_NOISY_RATE_WINDOW). */
const window = (spec: Spec): string => formatDuration(scrapeSpanSeconds(spec, HOST_NOISY_RATE_WINDOW));

export function hostSystemRuleGroups(spec: Spec): RuleGroup[] {
  if (monitoredNodes(spec).length === 0) return [];
  const t = spec.thresholds;
  const w = window(spec);
  const cf = confirmFor(spec);
  const by = (labels: string, metric: string) => `max by (${labels}) (${metric})`;
  const inodesUsed =
    `100 * (1 - ${by("host, mountpoint", `node_filesystem_files_free{${DATA_FS}}`)}\n` +
    // Filesystems without an inode table (btrfs, vfat) report 0 files: never a division by zero.
    `/ (${by("host, mountpoint", `node_filesystem_files{${DATA_FS}}`)} > 0))`;
  const rate = (metric: string) => `rate(${metric}{${JOB},device!="lo"}[${w}])`;

  const rules: AlertingRule[] = [
    {
      alert: "HostOomKill",
      expr: `${by("host", `increase(node_vmstat_oom_kill{${JOB}}[${OOM_WINDOW}])`)} > 0`,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "The kernel killed a process on {{ $labels.host }} for lack of memory",
        description:
          `The OOM killer ran within the last ${OOM_WINDOW} (node_vmstat_oom_kill). A process, often the app itself, was killed; ` +
          "check `journalctl -k` for which one. Fires at once and resolves when no kill happened for that long.",
      },
    },
    ...(["warning", "critical"] as const).map((severity) => ({
      alert: "HostInodesLow",
      expr: `${inodesUsed} > ${num(t.inodes[severity])}`,
      for: t.inodes.for,
      labels: alertLabels(spec, severity),
      annotations: {
        summary: "Inodes of {{ $labels.mountpoint }} on {{ $labels.host }} are {{ $value | printf \"%.0f\" }}% used",
        description:
          `More than ${num(t.inodes[severity])}% of the filesystem's inodes are in use for ${t.inodes.for} (thresholds.inodes): ` +
          "new files cannot be created once they run out, even with free space (many small files: sessions, caches, mail queues).",
      },
    })),
    {
      alert: "HostClockSkew",
      expr: `${by("host", `abs(node_timex_offset_seconds{${JOB}})`)} > ${num(t.clockSkewMs / 1000)}`,
      for: CLOCK_FOR,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Clock of {{ $labels.host }} is {{ $value | humanizeDuration }} off",
        description:
          `The NTP offset the kernel reports is above ${num(t.clockSkewMs)}ms (thresholds.clockSkewMs) for ${CLOCK_FOR}. ` +
          "Token expiry, TLS and log correlation go wrong; check the time daemon (systemd-timesyncd or chrony).",
      },
    },
    {
      alert: "HostClockNotSynchronising",
      expr:
        `min by (host) (node_timex_sync_status{${JOB}}) == 0\n` +
        `and on (host) ${by("host", `node_timex_maxerror_seconds{${JOB}}`)} >= ${CLOCK_UNSYNCED_MAXERROR_SECONDS}`,
      for: CLOCK_FOR,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Clock of {{ $labels.host }} is not synchronised",
        description:
          `The kernel reports the clock unsynchronised with a maximum error of ${CLOCK_UNSYNCED_MAXERROR_SECONDS}s or more for ${CLOCK_FOR}: ` +
          "no NTP daemon disciplines it. Install or start systemd-timesyncd or chrony.",
      },
    },
    {
      alert: "HostFileDescriptorsHigh",
      expr: `100 * ${by("host", `node_filefd_allocated{${JOB}}`)} / ${by("host", `node_filefd_maximum{${JOB}}`)} > ${num(t.fileDescriptors)}`,
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "{{ $value | printf \"%.0f\" }}% of the file descriptors of {{ $labels.host }} are allocated",
        description: `Allocated file handles above ${num(t.fileDescriptors)}% of fs.file-max (thresholds.fileDescriptors) for ${cf}: a leak of sockets or files; new connections will fail at 100%.`,
      },
    },
    {
      alert: "HostConntrackHigh",
      expr:
        `100 * ${by("host", `node_nf_conntrack_entries{${JOB}}`)} / ${by("host", `node_nf_conntrack_entries_limit{${JOB}}`)} > ${num(t.conntrack)}`,
      for: cf,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "Connection tracking table of {{ $labels.host }} is {{ $value | printf \"%.0f\" }}% full",
        description:
          `Conntrack entries above ${num(t.conntrack)}% of nf_conntrack_max (thresholds.conntrack) for ${cf}. ` +
          "When it is full the kernel drops new connections (\"nf_conntrack: table full\" in the kernel log).",
      },
    },
    {
      alert: "HostCpuSteal",
      expr: `100 * avg by (host) (rate(node_cpu_seconds_total{${JOB},mode="steal"}[${w}])) > ${num(t.cpuSteal)}`,
      for: NOISY_FOR,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "The hypervisor takes {{ $value | printf \"%.0f\" }}% of the CPU of {{ $labels.host }}",
        description:
          `CPU steal above ${num(t.cpuSteal)}% (thresholds.cpuSteal, averaged over ${w} and all CPUs) for ${NOISY_FOR}: ` +
          "a noisy neighbour on a shared droplet. The app is slower than its own CPU use shows; consider a dedicated-CPU droplet.",
      },
    },
    {
      alert: "HostNetworkErrors",
      expr:
        `100 * ${by("host, device", `${rate("node_network_receive_errs_total")} + ${rate("node_network_transmit_errs_total")}`)}\n` +
        // An idle interface has no packets: no division by zero, no alert.
        `/ (${by("host, device", `${rate("node_network_receive_packets_total")} + ${rate("node_network_transmit_packets_total")}`)} > 0)\n` +
        `> ${num(t.networkErrors)}`,
      for: NOISY_FOR,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "{{ $value | printf \"%.1f\" }}% of the packets on {{ $labels.device }} of {{ $labels.host }} have errors",
        description: `Receive and transmit errors above ${num(t.networkErrors)}% of the packets (thresholds.networkErrors, over ${w}) for ${NOISY_FOR}.`,
      },
    },
    {
      alert: "HostRebootRequired",
      expr: `${by("host", `node_reboot_required{${JOB}}`)} > 0`,
      for: REBOOT_FOR,
      labels: alertLabels(spec, "info"),
      annotations: {
        summary: "{{ $labels.host }} needs a reboot",
        description:
          `/run/reboot-required exists for ${REBOOT_FOR} (Debian's apt textfile collector, node_reboot_required): ` +
          "an upgraded kernel or library is installed but not running until the host reboots.",
      },
    },
    {
      alert: "HostSystemdUnitCrashLooping",
      expr:
        `max by (host, unit) (label_replace(increase(node_systemd_service_restart_total{${JOB}}[${UNIT_RESTARTS.window}]), "unit", "$1", "name", "(.+)"))` +
        ` >= ${UNIT_RESTARTS.count}`,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: "{{ $labels.unit }} on {{ $labels.host }} keeps restarting",
        description:
          `systemd restarted {{ $labels.unit }} ${UNIT_RESTARTS.count} or more times within ${UNIT_RESTARTS.window} (Restart=): ` +
          "it crashes and comes back, so HostSystemdUnitFailed never fires.",
      },
    },
  ];
  return [{ name: "vigil-host-system", rules }];
}
