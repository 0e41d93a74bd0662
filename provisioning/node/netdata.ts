// Netdata (Debian 12: 1.37.1, built without cloud). Two steps: the daemon's config (bind
// addresses, notifications, telemetry opt-out) and its health alarms, which carry the spec's
// thresholds; a threshold edit touches only `netdata-health`, reloaded with SIGUSR2.
import type { Host, Spec, Thresholds } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile, PlanStep } from "../plan.ts";
import { debianServiceStep, dropInFile, serviceOffStep } from "../debian-service.ts";
import { privateAddressOf } from "../addresses.ts";
import { NETDATA_PORT } from "../service-ports.ts";
import { NETDATA_UNIT } from "../service-units.ts";
import { roundedFixedPoint } from "../fixed-point.ts";

const HEALTH_DIR = "/etc/netdata/health.d";

/**
 * 127.0.0.1 and the VPC address (just loopback when the private address is loopback), as
 * Netdata's `bind to` writes them: an IPv6 address in brackets.
 */
export function netdataBindAddresses(host: Host, ctx: PlanContext): string[] {
  const address = privateAddressOf(host, ctx);
  if (address === "127.0.0.1") return ["127.0.0.1"];
  return ["127.0.0.1", address.includes(":") ? `[${address}]` : address];
}

/** The hubs' Netdata are parents when the spec gives a stream API key (and the node role runs Netdata). */
export const netdataStreaming = (spec: Spec): boolean =>
  spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey !== undefined && spec.hosts.some((h) => h.roles.includes("hub"));

/** A node host that streams to the hubs: node role only (a node that is also a hub is a parent). */
export const netdataStreamChild = (spec: Spec, host: Host): boolean =>
  netdataStreaming(spec) && host.roles.includes("node") && !host.roles.includes("hub");

/**
 * /etc/netdata/netdata.conf. The whole file is vigil's: Netdata's built-in default for
 * `bind to` is every interface, so the key is always written. The [global] lines keep Debian's
 * own settings (its web files are owned by root).
 */
export function netdataConf(spec: Spec, host: Host, ctx: PlanContext): string {
  const notifications = spec.stack.netdata.notifications
    ? "\t# notifications on (stack.netdata.notifications): health_alarm_notify.conf decides where they go\n"
    : "\t# notifications off (stack.netdata.notifications: false): the hub's Alertmanager pages, not Netdata\n\tscript to execute on alarm = /bin/true\n";
  return `# Written by vigil; changes here are overwritten on the next apply.
[global]
\trun as user = netdata
\tweb files owner = root
\tweb files group = root

[web]
\t# Netdata is not designed to be exposed to hostile networks: loopback and the VPC only.
\tbind to = ${netdataBindAddresses(host, ctx).join(" ")}
\tdefault port = ${NETDATA_PORT}

${netdataStreamChild(spec, host) ? STREAM_CHILD_SECTIONS : `[health]\n\tenabled = yes\n${notifications}`}`;
}

/**
 * A streaming child keeps a short history in RAM only (the parent stores it) and runs no machine
 * learning (the parent can): the two biggest parts of its memory. Netdata 1.37's `[db] mode = ram`
 * fills each dimension's ring a 4 KiB page (1,024 points) at a time, so a child's memory grows
 * for as long as its retention: with 3,600 s a node's Netdata grew from 26.8 to 31.9 MiB PSS in
 * its first 21 minutes (fleet e2e, 1,363 dimensions; +16 MiB in all by the hour). 600 s fits
 * the first page, so the memory at start is the memory for good; the parent has the hour.
 * Its alarms run on the parent (Netdata's pattern for thin children): 3.2 MiB less on the node.
 * What charts nothing vigil uses goes too (measured on a fleet node, BENCHMARKS.md):
 * - Netdata's charts of itself (`netdata monitoring`, 114 charts) and the statsd server (no
 *   application of a vigil host sends statsd; the app's own metrics are scraped by Prometheus):
 *   6.2 MiB together;
 * - apps.plugin (a process of its own and 55 charts: 4.4 MiB together): its per-process-group
 *   view repeats what cgroups.plugin charts per systemd unit, and a PM2 daemon's apps are all
 *   `node` to it anyway;
 * - tc.plugin's helper charts the classes of tc qdiscs, which nothing sets up, and nfacct.plugin
 *   the kernel's nfacct accounting objects, of which there are none (netfilter's conntrack
 *   counters stay: proc.plugin reads them from /proc/net/stat/nf_conntrack): about 8 MB RSS.
 */
const STREAM_CHILD_SECTIONS = `[health]
\t# streaming to the hubs: their Netdata runs this node's alarms while it streams
\t# (stream.conf: health enabled by default = auto), with the spec's thresholds
\tenabled = no

[db]
\t# streaming to the hubs (stack.netdata.streamApiKey): they keep the history
\tmode = ram
\tretention = 600

[ml]
\tenabled = no

[plugins]
\ttc = no
\tnfacct = no
\tnetdata monitoring = no
\tstatsd = no
\tapps = no
`;

/** `5m` → `5m`, `90s` → `90s`, `1d` → `24h`, `1w` → `168h`: Netdata durations know s, m, h. */
export function netdataDuration(duration: string): string {
  const m = /^([1-9][0-9]*)(s|m|h|d|w)$/.exec(duration);
  if (!m) throw new Error(`"${duration}" is not a duration`);
  const n = Number(m[1]);
  const unit = m[2]!;
  if (unit === "d") return `${n * 24}h`;
  if (unit === "w") return `${n * 168}h`;
  return `${n}${unit}`;
}

/** A number as Netdata's expression parser reads it: fixed point, never `1e+21` or `0.`. */
const num = (n: number): string => roundedFixedPoint(n, 12);

interface Alarm {
  kind: "alarm" | "template";
  name: string;
  on: string;
  component: string;
  families?: string;
  lookup: string;
  calc?: string;
  units: string;
  warning: number;
  critical: number;
  info: string;
}

function alarmText(a: Alarm): string {
  const line = (key: string, value: string) => `${key.padStart(9)}: ${value}`;
  return [
    line(a.kind, a.name),
    line("on", a.on),
    line("class", "Utilization"),
    line("type", "System"),
    line("component", a.component),
    line("os", "linux"),
    line("hosts", "*"),
    ...(a.families ? [line("families", a.families)] : []),
    line("lookup", a.lookup),
    ...(a.calc ? [line("calc", a.calc)] : []),
    line("units", a.units),
    line("every", "10s"),
    line("warn", `$this > ${num(a.warning)}`),
    line("crit", `$this > ${num(a.critical)}`),
    line("info", a.info),
    line("to", "sysadmin"),
  ].join("\n");
}

/**
 * The health alarms, one file per stock file they replace (a file in /etc/netdata/health.d
 * shadows the stock file of the same name), so the dashboard shows the spec's thresholds and not
 * Netdata's own for the same quantity. Each value is an average over the threshold's `for`: like
 * Prometheus' `for`, a spike shorter than that does not raise the alarm.
 */
export function netdataHealthFiles(t: Thresholds): Record<string, string> {
  const header = (what: string, hubAlert: string) =>
    `# Written by vigil from thresholds.${what}: the same values as the hub's ${hubAlert}.\n# Replaces Netdata's stock file of this name.\n\n`;
  const cpuFor = netdataDuration(t.cpu.for);
  const memFor = netdataDuration(t.memory.for);
  const diskFor = netdataDuration(t.disk.for);
  const loadFor = netdataDuration(t.load.for);
  return {
    "cpu.conf":
      header("cpu", "HostCpuHigh") +
      alarmText({
        kind: "alarm",
        name: "vigil_cpu_usage",
        on: "system.cpu",
        component: "CPU",
        lookup: `average -${cpuFor} unaligned of user,system,nice,iowait,irq,softirq,steal,guest,guest_nice`,
        units: "%",
        warning: t.cpu.warning,
        critical: t.cpu.critical,
        info: `CPU busy (everything but idle), average over ${cpuFor}`,
      }) +
      "\n",
    "ram.conf":
      header("memory", "HostMemoryHigh") +
      alarmText({
        kind: "alarm",
        name: "vigil_ram_usage",
        on: "mem.available",
        component: "Memory",
        lookup: `average -${memFor} unaligned of avail`,
        calc: "100 - ($this * 100 / ($system.ram.used + $system.ram.cached + $system.ram.free + $system.ram.buffers))",
        units: "%",
        warning: t.memory.warning,
        critical: t.memory.critical,
        info: `memory in use (100% - MemAvailable), average over ${memFor}`,
      }) +
      "\n",
    "disks.conf":
      header("disk", "HostDiskHigh") +
      alarmText({
        kind: "template",
        name: "vigil_disk_space_usage",
        on: "disk.space",
        component: "Disk",
        families: "!/dev !/dev/* !/run !/run/* *",
        lookup: `average -${diskFor} unaligned of used`,
        calc: "($this + $reserved_for_root) * 100 / ($avail + $this + $reserved_for_root)",
        units: "%",
        warning: t.disk.warning,
        critical: t.disk.critical,
        info: `disk $family space used (100% - available/size), average over ${diskFor}`,
      }) +
      "\n",
    "load.conf":
      header("load", "HostLoadHigh") +
      alarmText({
        kind: "alarm",
        name: "vigil_load_per_cpu",
        on: "system.load",
        component: "Load",
        lookup: `average -${loadFor} unaligned of load5`,
        calc: "$this / (($active_processors > 0) ? ($active_processors) : (1))",
        units: "load",
        warning: t.load.warning,
        critical: t.load.critical,
        info: `five-minute load average per CPU (as the hub's node_load5), average over ${loadFor}`,
      }) +
      "\n",
  };
}

/** An empty file whose presence opts out of Netdata's anonymous statistics. */
export const NETDATA_OPT_OUT = "/etc/netdata/.opt-out-from-anonymous-statistics";

/** Netdata's unit already orders itself After=network-online.target; make it also wait for it. */
export const NETDATA_DROPIN = `# Written by vigil: Netdata binds the VPC address, which must exist first.
[Unit]
Wants=network-online.target
`;

export function netdataStep(spec: Spec, host: Host, ctx: PlanContext): PlanStep {
  const files: PlanFile[] = [
    { path: "/etc/netdata/netdata.conf", mode: "0644", owner: "root:root", content: netdataConf(spec, host, ctx) },
    { path: NETDATA_OPT_OUT, mode: "0644", owner: "root:root", content: "" },
    dropInFile(NETDATA_UNIT, NETDATA_DROPIN),
  ];
  return debianServiceStep({
    id: "netdata",
    description: `Netdata on ${netdataBindAddresses(host, ctx).join(", ")} port ${NETDATA_PORT}, telemetry off, notifications ${spec.stack.netdata.notifications ? "on" : "off"}`,
    packages: ["netdata"],
    units: [NETDATA_UNIT],
    files,
    reload: `systemctl daemon-reload
systemctl restart ${NETDATA_UNIT}`,
  });
}

export function netdataHealthStep(spec: Spec): PlanStep {
  const files = Object.entries(netdataHealthFiles(spec.thresholds)).map(
    ([name, content]): PlanFile => ({ path: `${HEALTH_DIR}/${name}`, mode: "0644", owner: "root:root", content }),
  );
  return {
    id: "netdata-health",
    description: "Netdata health alarms with the spec's cpu, memory, disk and load thresholds",
    files,
    probe: `systemctl is-active --quiet ${NETDATA_UNIT} || exit 1`,
    // SIGUSR2 makes Netdata re-read its health configuration; only the main process gets it
    // (the plugins would die of it). netdatacli cannot reach the daemon: its socket is in the
    // unit's PrivateTmp.
    reload: `if systemctl is-active --quiet ${NETDATA_UNIT}; then
  systemctl kill --kill-who=main --signal=USR2 ${NETDATA_UNIT}
else
  systemctl restart ${NETDATA_UNIT}
fi`,
  };
}

/**
 * The Netdata steps of a node host; when stack.netdata is disabled, one that stops it. A streaming
 * child runs no alarms of its own (its parents do, hub-role.ts), so it gets no health files.
 */
export function netdataSteps(spec: Spec, host: Host, ctx: PlanContext): PlanStep[] {
  return spec.stack.netdata.enabled
    ? [netdataStep(spec, host, ctx), ...(netdataStreamChild(spec, host) ? [] : [netdataHealthStep(spec)])]
    : [serviceOffStep("netdata-off", "Netdata disabled in the spec: stopped and disabled if present", [NETDATA_UNIT])];
}
