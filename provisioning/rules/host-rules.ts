// Host alerts from node_exporter, scraped by the hub as job "node" with the label host=<spec name>:
// HostDown, HostCpuHigh, HostMemoryHigh, HostLoadHigh, HostDiskHigh, HostDiskWillFill,
// HostSystemdUnitFailed. Thresholds and `for` come from spec.thresholds.
//
// Every expression aggregates to exactly the identifying labels of SPEC.md (host, mountpoint,
// unit), so an alert's identity does not change when a scrape address does.
import { formatDuration } from "../../schema/durations.ts";
import type { Host, Spec } from "../../schema/spec-schema.ts";
import { unitName, unitRegex, watchedUnitsRegex } from "../watched-services.ts";
import { alertLabels, confirmFor, matchers, NODE_JOB, num, scrapeSpanSeconds, str, type AlertingRule, type RuleGroup } from "./rule-file.ts";
import { CPU_RATE_WINDOW, DISK_FILL, PSEUDO_FILESYSTEMS } from "./tunables.ts";

const JOB = matchers({ job: NODE_JOB });

/** Filesystems that hold data; pseudo and in-memory ones never fill a disk. */
const DATA_FS = `${JOB},fstype!~${str(PSEUDO_FILESYSTEMS)}`;

/** Rate window of CPU usage (tunables.ts CPU_RATE_WINDOW). */
const rateWindow = (spec: Spec): string => formatDuration(scrapeSpanSeconds(spec, CPU_RATE_WINDOW));

/** How far back HostDiskWillFill fits its line for a horizon of `hours` (tunables.ts DISK_FILL). */
export const diskFillLookbackSeconds = (hours: number): number =>
  Math.min(Math.max(Math.round(hours * 3600 * DISK_FILL.lookbackShare), DISK_FILL.minLookbackSeconds), DISK_FILL.maxLookbackSeconds);

/** Hosts whose node_exporter the hub scrapes. */
export const monitoredNodes = (spec: Spec): Host[] =>
  spec.stack.nodeExporter.enabled ? spec.hosts.filter((h) => h.roles.includes("node")) : [];

function warningCritical(
  spec: Spec,
  alert: string,
  value: string,
  t: { warning: number; critical: number; for: string },
  text: (level: number) => { summary: string; description: string },
): AlertingRule[] {
  return (["warning", "critical"] as const).map((severity) => ({
    alert,
    expr: `${value} > ${num(t[severity])}`,
    for: t.for,
    labels: alertLabels(spec, severity),
    annotations: text(t[severity]),
  }));
}

export function hostRuleGroups(spec: Spec): RuleGroup[] {
  const t = spec.thresholds;
  const w = rateWindow(spec);
  const cpu = `100 * (1 - avg by (host) (rate(node_cpu_seconds_total{${JOB},mode="idle"}[${w}])))`;
  const memory = `100 * (1 - max by (host) (node_memory_MemAvailable_bytes{${JOB}}) / max by (host) (node_memory_MemTotal_bytes{${JOB}}))`;
  const load = `max by (host) (node_load5{${JOB}}) / count by (host) (node_cpu_seconds_total{${JOB},mode="idle"})`;
  const diskUsed = `100 * (1 - max by (host, mountpoint) (node_filesystem_avail_bytes{${DATA_FS}}) / max by (host, mountpoint) (node_filesystem_size_bytes{${DATA_FS}}))`;
  const horizon = Math.round(t.diskFillHours * 3600);
  const lookback = formatDuration(diskFillLookbackSeconds(t.diskFillHours));

  const rules: AlertingRule[] = [
    {
      alert: "HostDown",
      expr: `max by (host) (up{${JOB}}) == 0`,
      for: confirmFor(spec),
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "Host {{ $labels.host }} does not answer",
        description:
          `The hub cannot scrape node_exporter on {{ $labels.host }} for ${confirmFor(spec)}: the host, its network or node_exporter is down. ` +
          "Every other alert of this host is inhibited while this one fires.",
      },
    },
    ...warningCritical(spec, "HostCpuHigh", cpu, t.cpu, (level) => ({
      summary: "CPU of {{ $labels.host }} is {{ $value | printf \"%.0f\" }}% busy",
      description: `CPU busy above ${level}% (averaged over ${w} and all CPUs) for ${t.cpu.for}.`,
    })),
    ...warningCritical(spec, "HostMemoryHigh", memory, t.memory, (level) => ({
      summary: "Memory of {{ $labels.host }} is {{ $value | printf \"%.0f\" }}% used",
      description: `Memory in use (1 - MemAvailable/MemTotal) above ${level}% for ${t.memory.for}.`,
    })),
    ...warningCritical(spec, "HostLoadHigh", load, t.load, (level) => ({
      summary: "Load of {{ $labels.host }} is {{ $value | printf \"%.2f\" }} per CPU",
      description: `5-minute load average per CPU above ${level} for ${t.load.for}.`,
    })),
    ...warningCritical(spec, "HostDiskHigh", diskUsed, t.disk, (level) => ({
      summary: "Disk {{ $labels.mountpoint }} on {{ $labels.host }} is {{ $value | printf \"%.0f\" }}% full",
      description: `Filesystem use (space available to unprivileged users) above ${level}% for ${t.disk.for}.`,
    })),
    {
      alert: "HostDiskWillFill",
      expr: `max by (host, mountpoint) (predict_linear(node_filesystem_avail_bytes{${DATA_FS}}[${lookback}], ${horizon})) < 0
and on (host, mountpoint) ${diskUsed} > ${100 - DISK_FILL.maxFreePercent}
and on (host, mountpoint) max by (host, mountpoint) (node_filesystem_readonly{${DATA_FS}}) == 0`,
      for: DISK_FILL.for,
      labels: alertLabels(spec, "warning"),
      annotations: {
        summary: `Disk {{ $labels.mountpoint }} on {{ $labels.host }} will fill within ${num(t.diskFillHours)}h`,
        description:
          `A straight line through the last ${lookback} of free space reaches zero within ${num(t.diskFillHours)}h (thresholds.diskFillHours). ` +
          `Only for writable filesystems already more than ${100 - DISK_FILL.maxFreePercent}% full, and only after ${DISK_FILL.for}, so a burst of writes on an empty disk stays quiet.`,
      },
    },
    ...systemdUnitRules(spec),
  ];
  return [{ name: "vigil-host", rules }];
}

/** `unit` instead of node_exporter's `name`. */
const asUnit = (selector: string) => `label_replace(${selector}, "unit", "$1", "name", "(.+)")`;

/**
 * HostSystemdUnitFailed: critical for the host's `services` and the units vigil installs
 * (watched-services.ts), warning for any other failed service. A `services` unit also counts as
 * failed when it is not active: the spec says those must stay active. The stack's units only when
 * failed: some are oneshots started by timers and are inactive between runs.
 */
function systemdUnitRules(spec: Spec): AlertingRule[] {
  const hosts = monitoredNodes(spec);
  const critical: string[] = [];
  const watched: string[] = [];
  for (const host of hosts) {
    const hostSel = `${JOB},host=${JSON.stringify(host.name)}`;
    const units = watchedUnitsRegex(spec, host);
    if (units === "") continue;
    critical.push(`max by (host, unit) (${asUnit(`node_systemd_unit_state{${hostSel},state="failed",name=~"${units}"}`)}) == 1`);
    watched.push(asUnit(`node_systemd_unit_state{${hostSel},state="failed",name=~"${units}"}`));
    if (host.services.length > 0) {
      const services = host.services.map((s) => unitRegex(unitName(s))).join("|");
      critical.push(`max by (host, unit) (${asUnit(`node_systemd_unit_state{${hostSel},state="active",name=~"${services}"}`)}) == 0`);
    }
  }
  const cf = confirmFor(spec);
  const failedAny = `max by (host, unit) (${asUnit(`node_systemd_unit_state{${JOB},state="failed"}`)}) == 1`;
  const rules: AlertingRule[] = [];
  if (critical.length > 0) {
    rules.push({
      alert: "HostSystemdUnitFailed",
      expr: critical.join("\nor\n"),
      for: cf,
      labels: alertLabels(spec, "critical"),
      annotations: {
        summary: "{{ $labels.unit }} on {{ $labels.host }} is not running",
        description:
          `{{ $labels.unit }} is one of the host's \`services\` (which must stay active) or a unit vigil installs, and has been failed (or, for \`services\`, not active) for ${cf}.`,
      },
    });
  }
  rules.push({
    alert: "HostSystemdUnitFailed",
    expr: watched.length > 0 ? `${failedAny}\nunless on (host, unit) (\n${watched.join("\nor\n")}\n)` : failedAny,
    for: cf,
    labels: alertLabels(spec, "warning"),
    annotations: {
      summary: "{{ $labels.unit }} on {{ $labels.host }} failed",
      description: `systemd reports {{ $labels.unit }} as failed for ${cf}. It is not in the host's \`services\`, so this is a warning.`,
    },
  });
  return rules;
}
