// DigitalOcean monitor alerts at the spec's critical thresholds: host alerts that still reach
// someone when the hub (Prometheus, Alertmanager) is down. Needs `monitoring: true` on droplets.
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import type { Thresholds } from "../schema/spec-schema.ts";
import { hasNotifications, type AlertNotifications } from "./alert-notifications.ts";
import { nearestMonitorWindow, vcpusOfSize } from "./monitor-window.ts";

/** A droplet the alerts watch. */
export interface WatchedDroplet {
  /** The spec's host name. */
  name: string;
  /** Droplet id (a string, as monitor alert `entities` want it). */
  id: pulumi.Input<string>;
  /** Droplet size slug: gives the vCPU count the load threshold is multiplied by. */
  size: string;
  /** The droplet's `vcpus` output, used when the size slug does not tell. */
  vcpus: pulumi.Input<number>;
}

export interface DropletMonitorAlertsArgs {
  /** Prefix of every resource name: `<project>-<environment>`. */
  prefix: string;
  /** The spec's host thresholds; the `critical` levels and `for` durations are used. */
  thresholds: Thresholds;
  /** The droplets to watch (existing servers have no DigitalOcean metrics agent vigil controls). */
  droplets: WatchedDroplet[];
  /** Who the alerts notify; with nobody to notify, no alert is created. */
  notifications: AlertNotifications;
}

/** Monitor alert metric types (FIELD-NOTES: `v1/insights/droplet/...`). */
export const MONITOR_TYPES = {
  cpu: "v1/insights/droplet/cpu",
  memory: "v1/insights/droplet/memory_utilization_percent",
  disk: "v1/insights/droplet/disk_utilization_percent",
  load: "v1/insights/droplet/load_5",
} as const;

/**
 * CPU, memory and disk alerts above the critical percentages (one alert each, all droplets as
 * entities). Load: the spec's threshold is per CPU, DigitalOcean's load_5 is the whole machine's
 * 5-minute load average, so the value is `critical × vCPUs`, one alert per distinct vCPU count.
 * Windows are the spec's `for` rounded to the nearest window DigitalOcean allows.
 */
export class DropletMonitorAlerts extends pulumi.ComponentResource {
  public readonly alerts: digitalocean.MonitorAlert[] = [];

  constructor(name: string, args: DropletMonitorAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    // Named HostAlerts until the component was renamed: the alias keeps existing stacks' alerts in place.
    super("vigil:index:DropletMonitorAlerts", name, { droplets: args.droplets.map((d) => d.name), thresholds: args.thresholds }, {
      ...opts,
      aliases: [...(opts?.aliases ?? []), { type: "vigil:index:HostAlerts" }],
    });
    const n = args.notifications;
    if (args.droplets.length > 0 && hasNotifications(n)) {
      const alerts = { emails: n.emails, slacks: n.slacks.map((s) => ({ channel: s.channel, url: s.url })) };
      const t = args.thresholds;
      const make = (suffix: string, type: string, value: pulumi.Input<number>, forDuration: string, droplets: WatchedDroplet[], what: string) => {
        this.alerts.push(
          new digitalocean.MonitorAlert(
            `${args.prefix}-${suffix}`,
            {
              description: `${args.prefix}: ${what} (vigil, critical)`,
              type,
              compare: "GreaterThan",
              value,
              window: nearestMonitorWindow(forDuration),
              entities: droplets.map((d) => d.id),
              enabled: true,
              alerts,
            },
            { parent: this },
          ),
        );
      };
      make("cpu-critical", MONITOR_TYPES.cpu, t.cpu.critical, t.cpu.for, args.droplets, `CPU above ${t.cpu.critical}%`);
      make("memory-critical", MONITOR_TYPES.memory, t.memory.critical, t.memory.for, args.droplets, `memory above ${t.memory.critical}%`);
      make("disk-critical", MONITOR_TYPES.disk, t.disk.critical, t.disk.for, args.droplets, `disk above ${t.disk.critical}%`);

      const byVcpus = new Map<number, WatchedDroplet[]>();
      for (const d of args.droplets) {
        const vcpus = vcpusOfSize(d.size);
        if (vcpus === undefined) {
          const value = pulumi.output(d.vcpus).apply((v) => t.load.critical * v);
          make(`load-critical-${d.name}`, MONITOR_TYPES.load, value, t.load.for, [d], `load above ${t.load.critical} per CPU on ${d.name}`);
        } else {
          byVcpus.set(vcpus, [...(byVcpus.get(vcpus) ?? []), d]);
        }
      }
      for (const [vcpus, droplets] of [...byVcpus].sort((a, b) => a[0] - b[0])) {
        const what = `load above ${t.load.critical} per CPU (${t.load.critical * vcpus} on ${vcpus} vCPU${vcpus === 1 ? "" : "s"})`;
        make(`load-critical-${vcpus}vcpu`, MONITOR_TYPES.load, t.load.critical * vcpus, t.load.for, droplets, what);
      }
    }
    this.registerOutputs({ alerts: this.alerts.map((a) => a.id) });
  }
}
