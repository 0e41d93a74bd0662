// DigitalOcean uptime checks and their alerts: the path that works when the hub is down.
import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import type { UptimeCheck } from "../schema/spec-schema.ts";
import { hasNotifications, type AlertNotifications } from "./alert-notifications.ts";

/**
 * Inputs the DigitalOcean API takes as integers although @pulumi/digitalocean declares them
 * `number`: an uptime alert's threshold (milliseconds for latency, days for ssl_expiry). The spec
 * schema makes the fields behind them integers (uptime[].latencyMs, sslExpiryDays).
 */
export const DO_INTEGER_INPUTS: Record<string, readonly string[]> = {
  "digitalocean:index/uptimeAlert:UptimeAlert": ["threshold"],
};

/** A hub host to ping from outside, so a dead hub is noticed by something that is not the hub. */
export interface HubTarget {
  /** The spec's host name. */
  name: string;
  /** Its public address. */
  address: pulumi.Input<string>;
}

export interface UptimeMonitorsArgs {
  /** Prefix of every resource name: `<project>-<environment>`. */
  prefix: string;
  /** The spec's uptime checks; those with `url` become DigitalOcean checks (tcp/icmp stay on the hub). */
  checks: UptimeCheck[];
  /** Hub hosts that get a DigitalOcean `ping` check with a `down` alert. */
  hubs: HubTarget[];
  /** Regions the hub ping checks run from (snake_case, FIELD-NOTES). */
  hubRegions: string[];
  /** Who the alerts notify; with nobody to notify, checks are created without alerts. */
  notifications: AlertNotifications;
}

/**
 * Per http(s) check: a DigitalOcean uptime check (`type` http or https, regions from the spec) and
 * alerts `down`, `latency` (when latencyMs) and `ssl_expiry` (https with sslExpiryDays), each over
 * the check's `alertPeriod`. Per hub: a `ping` check and a `down` alert.
 */
export class UptimeMonitors extends pulumi.ComponentResource {
  /** Uptime check ids by name: the spec check's name, or `hub-<host>` for a hub ping. */
  public readonly checkIds: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: UptimeMonitorsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "vigil:index:UptimeMonitors",
      name,
      { checks: args.checks.map((c) => c.name), hubs: args.hubs.map((h) => h.name), emails: args.notifications.emails },
      opts,
    );
    const notifications = hasNotifications(args.notifications)
      ? [{ emails: args.notifications.emails, slacks: args.notifications.slacks.map((s) => ({ channel: s.channel, url: s.url })) }]
      : undefined;
    const alert = (checkName: string, check: digitalocean.UptimeCheck, type: string, period: string, extra: { comparison?: string; threshold?: number } = {}) => {
      if (!notifications) return;
      new digitalocean.UptimeAlert(
        `${args.prefix}-${checkName}-${type.replace(/_/g, "-")}`,
        { name: `${args.prefix}-${checkName}-${type}`, checkId: check.id, type, period, notifications, ...extra },
        { parent: this },
      );
    };

    for (const spec of args.checks) {
      if (spec.url === undefined) continue;
      const https = spec.url.startsWith("https://");
      const check = new digitalocean.UptimeCheck(
        `${args.prefix}-${spec.name}`,
        { name: `${args.prefix}-${spec.name}`, type: https ? "https" : "http", target: spec.url, regions: [...spec.regions], enabled: true },
        { parent: this },
      );
      this.checkIds[spec.name] = check.id;
      alert(spec.name, check, "down", spec.alertPeriod);
      if (spec.latencyMs !== undefined) {
        alert(spec.name, check, "latency", spec.alertPeriod, { comparison: "greater_than", threshold: spec.latencyMs });
      }
      if (https && spec.sslExpiryDays !== undefined) {
        alert(spec.name, check, "ssl_expiry", spec.alertPeriod, { comparison: "less_than", threshold: spec.sslExpiryDays });
      }
    }
    for (const hub of args.hubs) {
      const checkName = `hub-${hub.name}`;
      const check = new digitalocean.UptimeCheck(
        `${args.prefix}-${checkName}`,
        { name: `${args.prefix}-${checkName}`, type: "ping", target: hub.address, regions: args.hubRegions, enabled: true },
        { parent: this },
      );
      this.checkIds[checkName] = check.id;
      alert(checkName, check, "down", "5m");
    }
    this.registerOutputs({ checkIds: this.checkIds });
  }
}
