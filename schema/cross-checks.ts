// Checks the JSON Schema cannot express: references between fields, uniqueness, ordering of
// thresholds, and values DigitalOcean accepts. Pure: spec in, located problems out.
import { isIP } from "node:net";
import { databaseLabel } from "./database-label.ts";
import { durationSeconds } from "./durations.ts";
import { isPrivateIPv4, parseCidr } from "./ip-ranges.ts";
import { SLO_WINDOW_MAX, SLO_WINDOW_MIN, sloWindowWithin } from "./slo-window.ts";
import { NO_SLACK } from "./spec-keywords.ts";
import { promqlError } from "./promql.ts";
import { templateError } from "./prom-template.ts";
import { isHostOrAddress } from "./value-formats.ts";
import type { AgentConfig, Spec } from "./spec-schema.ts";
import { timeRangeMinutes, weekdayIndex } from "./time-of-week.ts";
import { LONE_SURROGATE } from "./unicode.ts";
import { SSH_PORT, servicePortOwner } from "../provisioning/service-ports.ts";

// Here rather than in spec-schema.ts: the agent bundles this module, and a value import of the
// schema module would bundle TypeBox into it.
/** Labels vigil sets on an application's series; a scrape target may not set them itself. */
export const VIGIL_TARGET_LABELS = ["job", "instance", "host", "app"] as const;
/** Labels vigil sets on every alert; a custom rule may not set them itself. */
export const VIGIL_ALERT_LABELS = ["alertname", "severity", "environment"] as const;

export interface Problem {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than the value (for problems about a name). */
  key?: boolean;
  /** Point this far into the string value (a PromQL error inside a query). */
  offset?: number;
}

/** Every cross-field problem of a schema-valid spec (defaults filled). */
export function crossCheck(spec: Spec): Problem[] {
  return [
    ...checkText(spec),
    ...checkHosts(spec),
    ...checkNetwork(spec),
    ...checkThresholds(spec),
    ...checkUptime(spec),
    ...checkSlos(spec),
    ...checkAlerts(spec),
    ...checkMaintenance(spec),
    ...checkRules(spec),
    ...checkRemoteWrite(spec),
    ...checkHeartbeats(spec),
    ...checkCrowdsecFleet(spec),
  ];
}

/**
 * stack.crowdsec.fleetKey makes the first hub the fleet's CrowdSec Local API for the other node
 * hosts (provisioning/crowdsec-fleet.ts); without a hub, or with no node besides it, the key would
 * silently do nothing.
 */
function checkCrowdsecFleet(spec: Spec): Problem[] {
  if (spec.stack.crowdsec.fleetKey === undefined) return [];
  const hub = spec.hosts.find((h) => h.roles.includes("hub"));
  if (hub !== undefined && spec.hosts.some((h) => h.roles.includes("node") && h.name !== hub.name)) return [];
  return [
    {
      path: ["stack", "crowdsec", "fleetKey"],
      key: true,
      message: "has no effect: CrowdSec runs as one fleet with a hub and at least one node host besides the first hub (a lone host keeps its own Local API); remove it",
    },
  ];
}

function duplicates<T>(items: readonly T[], keyOf: (item: T) => string): Map<number, number> {
  const first = new Map<string, number>();
  const dupes = new Map<number, number>(); // index -> index of the first occurrence
  items.forEach((item, i) => {
    const key = keyOf(item);
    const prior = first.get(key);
    if (prior === undefined) first.set(key, i);
    else dupes.set(i, prior);
  });
  return dupes;
}

function checkHosts(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const [i, prior] of duplicates(spec.hosts, (h) => h.name)) {
    out.push({ path: ["hosts", i, "name"], message: `duplicate host name "${spec.hosts[i]!.name}" (also hosts[${prior}])` });
  }
  const hubs = spec.hosts.filter((h) => h.roles.includes("hub"));
  if (hubs.length > 2) {
    out.push({ path: ["hosts", spec.hosts.indexOf(hubs[2]!), "roles"], message: "at most two hub hosts (an HA pair); use remote_write for more" });
  }
  spec.hosts.forEach((host, i) => {
    if (!host.existing && !/^debian-12(-|$)/.test(host.image)) {
      out.push({ path: ["hosts", i, "image"], message: `unsupported image "${host.image}": vigil provisions Debian 12 (debian-12-x64)` });
    }
    if (host.existing) {
      const { address, privateAddress } = host.existing;
      if (!isHostOrAddress(address)) out.push({ path: ["hosts", i, "existing", "address"], message: `"${address}" is not an IP address or host name` });
      if (privateAddress !== undefined && !isIP(privateAddress)) {
        out.push({ path: ["hosts", i, "existing", "privateAddress"], message: `"${privateAddress}" is not an IP address` });
      }
    }
    if (host.agent) {
      if (!host.roles.includes("node")) {
        out.push({ path: ["hosts", i, "agent"], message: "the health agent runs on node hosts: add `node` to roles", key: true });
      }
      if (!spec.stack.nodeExporter.enabled) {
        out.push({ path: ["hosts", i, "agent"], message: "the agent publishes through node_exporter's textfile collector: enable stack.nodeExporter", key: true });
      }
      out.push(...checkAgentBlock(host.agent, ["hosts", i, "agent"]));
    }
    out.push(...checkScrapeTargets(spec, i));
  });
  return out;
}

/** A host's scrape targets: unique names and endpoints, never a port of vigil's own services or SSH. */
function checkScrapeTargets(spec: Spec, i: number): Problem[] {
  const out: Problem[] = [];
  const host = spec.hosts[i]!;
  const at = (j: number, field: string) => ["hosts", i, "scrape", j, field];
  for (const [j, prior] of duplicates(host.scrape, (t) => t.name)) {
    out.push({ path: at(j, "name"), message: `duplicate scrape target name "${host.scrape[j]!.name}" (also scrape[${prior}])` });
  }
  for (const [j, prior] of duplicates(host.scrape, (t) => `${t.port}${t.path}`)) {
    out.push({ path: at(j, "port"), message: `scrape[${prior}] already scrapes port ${host.scrape[j]!.port} at ${host.scrape[j]!.path}` });
  }
  const sshPort = host.existing?.port ?? SSH_PORT;
  host.scrape.forEach((target, j) => {
    const owner = servicePortOwner(target.port);
    if (owner !== undefined) {
      out.push({ path: at(j, "port"), message: `port ${target.port} is vigil's own (${owner}); give the application's metrics another port` });
    } else if (target.port === sshPort) {
      out.push({ path: at(j, "port"), message: `port ${target.port} is the host's SSH port` });
    }
    for (const label of Object.keys(target.labels)) {
      if ((VIGIL_TARGET_LABELS as readonly string[]).includes(label)) {
        out.push({ path: [...at(j, "labels"), label], message: `"${label}" is set by vigil (job=app, instance, host, app=<name>)`, key: true });
      }
    }
  });
  return out;
}

/** Checks of a host's `agent` block on its own; `at` is where the block sits (`[]` in the agent's config file). */
export function checkAgentBlock(agent: AgentConfig, at: (string | number)[]): Problem[] {
  const out: Problem[] = [];
  const dbs = agent.sqlite;
  for (const [j, prior] of duplicates(dbs, (d) => d.path)) {
    out.push({ path: [...at, "sqlite", j, "path"], message: `database "${dbs[j]!.path}" is listed twice (also sqlite[${prior}])` });
  }
  for (const [j, prior] of duplicates(dbs, (d) => databaseLabel(d))) {
    if (dbs[j]!.path === dbs[prior]!.path) continue;
    out.push({ path: [...at, "sqlite", j], message: `database label "${databaseLabel(dbs[j]!)}" repeats sqlite[${prior}]; give one of them a distinct name` });
  }
  dbs.forEach((db, j) => {
    if (db.maxWalMB !== undefined && db.maxWalMB > db.maxSizeMB * 10) {
      out.push({ path: [...at, "sqlite", j, "maxWalMB"], message: "is more than ten times maxSizeMB; check the units (MB)" });
    }
    if (durationSeconds(db.integrityEvery) < 60) {
      out.push({ path: [...at, "sqlite", j, "integrityEvery"], message: "must be at least 1m: quick_check reads the whole file" });
    }
  });
  for (const [j, prior] of duplicates(agent.pm2, (p) => p.pm2Home ?? p.user)) {
    out.push({ path: [...at, "pm2", j], message: `the same PM2 daemon is listed twice (also pm2[${prior}])` });
  }
  return out;
}

function checkNetwork(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const vpc = parseCidr(spec.vpc.ipRange);
  if (typeof vpc === "string") out.push({ path: ["vpc", "ipRange"], message: vpc });
  else if (vpc.version !== 4 || !isPrivateIPv4(vpc.address)) {
    out.push({ path: ["vpc", "ipRange"], message: `must be a private IPv4 range (10/8, 172.16/12, 192.168/16), got "${spec.vpc.ipRange}"` });
  } else if (vpc.prefix < 16 || vpc.prefix > 28) {
    out.push({ path: ["vpc", "ipRange"], message: `DigitalOcean VPCs are /16 to /28, got /${vpc.prefix}` });
  }
  spec.access.sshAllowFrom.forEach((cidr, i) => {
    const parsed = parseCidr(cidr);
    if (typeof parsed === "string") out.push({ path: ["access", "sshAllowFrom", i], message: parsed });
  });
  spec.stack.fail2ban.ignoreIp.forEach((entry, i) => {
    if (isIP(entry)) return;
    const parsed = parseCidr(entry);
    if (typeof parsed === "string") out.push({ path: ["stack", "fail2ban", "ignoreIp", i], message: `${parsed} (or a plain IP address)` });
  });
  return out;
}

/** Every string of the spec, keys included, must be well-formed Unicode. */
function checkText(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const walk = (value: unknown, path: (string | number)[]): void => {
    if (typeof value === "string") {
      if (LONE_SURROGATE.test(value)) out.push({ path, message: "holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF escape); use the character itself" });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (typeof value === "object" && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) out.push({ path: [...path, k], message: "name holds an unpaired UTF-16 surrogate", key: true });
        walk(v, [...path, k]);
      }
    }
  };
  walk(spec, []);
  return out;
}

function checkThresholds(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const name of ["cpu", "memory", "disk", "load", "inodes"] as const) {
    const t = spec.thresholds[name];
    if (t.warning >= t.critical) {
      out.push({ path: ["thresholds", name, "warning"], message: `warning (${t.warning}) must be below critical (${t.critical})` });
    }
  }
  if (durationSeconds(spec.intervals.evaluation) < durationSeconds(spec.intervals.scrape)) {
    out.push({ path: ["intervals", "evaluation"], message: "must not be shorter than intervals.scrape" });
  }
  // A slower agent would add its whole interval to every SQLite and PM2 detection.
  if (spec.intervals.agent !== undefined && durationSeconds(spec.intervals.agent) > durationSeconds(spec.intervals.scrape)) {
    out.push({ path: ["intervals", "agent"], message: `must not be longer than intervals.scrape (${spec.intervals.scrape})` });
  }
  return out;
}

function checkUptime(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const [i, prior] of duplicates(spec.uptime, (u) => u.name)) {
    out.push({ path: ["uptime", i, "name"], message: `duplicate uptime check name "${spec.uptime[i]!.name}" (also uptime[${prior}])` });
  }
  spec.uptime.forEach((check, i) => {
    const kinds = (["url", "tcp", "icmp"] as const).filter((k) => check[k] !== undefined);
    if (kinds.length !== 1) {
      out.push({
        path: ["uptime", i],
        message: kinds.length === 0 ? "needs one of url, tcp or icmp" : `has ${kinds.join(" and ")}; give exactly one of url, tcp or icmp`,
      });
    }
    if (check.sslExpiryDays !== undefined && !check.url?.startsWith("https://")) {
      out.push({ path: ["uptime", i, "sslExpiryDays"], message: "applies only to https:// checks", key: true });
    }
  });
  return out;
}

function checkSlos(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const checks = new Map(spec.uptime.map((u) => [u.name, u]));
  for (const [i, prior] of duplicates(spec.slos, (s) => s.name)) {
    out.push({ path: ["slos", i, "name"], message: `duplicate SLO name "${spec.slos[i]!.name}" (also slos[${prior}])` });
  }
  spec.slos.forEach((slo, i) => {
    const custom = slo.errorQuery !== undefined || slo.totalQuery !== undefined;
    if (slo.uptime !== undefined && custom) {
      out.push({ path: ["slos", i], message: "has both uptime and errorQuery/totalQuery; an SLO has one SLI" });
    } else if (slo.uptime === undefined && !custom) {
      out.push({ path: ["slos", i], message: "needs an SLI: uptime (a check name) or errorQuery and totalQuery" });
    } else if (custom && (slo.errorQuery === undefined || slo.totalQuery === undefined)) {
      out.push({ path: ["slos", i, slo.errorQuery === undefined ? "totalQuery" : "errorQuery"], message: "errorQuery and totalQuery go together", key: true });
    }
    if (slo.uptime !== undefined && !checks.has(slo.uptime)) {
      const known = [...checks.keys()];
      out.push({
        path: ["slos", i, "uptime"],
        message: `unknown uptime check "${slo.uptime}"${known.length ? ` (defined: ${known.join(", ")})` : " (no uptime checks are defined)"}`,
      });
    }
    if (slo.latencyMs !== undefined && slo.uptime === undefined) {
      out.push({ path: ["slos", i, "latencyMs"], message: "a latency SLO needs an uptime check (uptime: NAME)", key: true });
    }
    for (const field of ["errorQuery", "totalQuery"] as const) {
      const query = slo[field];
      const problem = query === undefined ? undefined : sloQueryError(query);
      if (problem) out.push({ path: ["slos", i, field], message: problem.message, offset: problem.offset });
    }
    if (!sloWindowWithin(slo.window)) {
      out.push({ path: ["slos", i, "window"], message: `must be between ${SLO_WINDOW_MIN} and ${SLO_WINDOW_MAX} for multi-window burn-rate alerts (got ${slo.window})` });
    }
  });
  return out;
}

/** What `{{window}}` stands for while a query is parsed: a duration of the same length, so offsets match the spec text. */
const WINDOW = "{{window}}";
const WINDOW_STAND_IN = "999999999s";

/**
 * An SLO query (`errorQuery`, `totalQuery`) with `{{window}}` replaced by a duration must be one
 * complete PromQL expression: slo-rules.ts wraps it in `sum(...)`.
 */
export function sloQueryError(query: string): { offset: number; message: string } | undefined {
  const problem = promqlError(query.replaceAll(WINDOW, WINDOW_STAND_IN));
  return problem && { offset: problem.offset, message: problem.message.replaceAll(WINDOW_STAND_IN, WINDOW) };
}

function checkAlerts(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const receivers = Object.keys(spec.alerts.receivers);
  const unknown = (name: string) => `unknown receiver "${name}" (defined: ${receivers.join(", ")})`;
  spec.alerts.routes.forEach((route, i) => {
    route.to.forEach((name, j) => {
      if (!receivers.includes(name)) out.push({ path: ["alerts", "routes", i, "to", j], message: unknown(name) });
    });
  });
  spec.alerts.routes.forEach((route, i) => {
    (route.escalate ?? []).forEach((step, j) => {
      step.to.forEach((name, k) => {
        if (!receivers.includes(name)) out.push({ path: ["alerts", "routes", i, "escalate", j, "to", k], message: unknown(name) });
        else if (route.to.includes(name)) {
          out.push({ path: ["alerts", "routes", i, "escalate", j, "to", k], message: `"${name}" is already notified by this route's to; escalate to another receiver` });
        }
      });
      const wait = routeGroupWait(spec, route.severity);
      if (durationSeconds(step.after) <= durationSeconds(wait)) {
        out.push({
          path: ["alerts", "routes", i, "escalate", j, "after"],
          message: `must be longer than the route's group wait (${wait}): the secondary would be told before the primary`,
        });
      }
    });
  });
  const { heartbeat } = spec.alerts;
  if (heartbeat !== undefined && !receivers.includes(heartbeat)) out.push({ path: ["alerts", "heartbeat"], message: unknown(heartbeat) });
  const slack = spec.cloudAlerts?.slack;
  if (slack !== undefined && slack !== NO_SLACK) {
    const receiver = Object.hasOwn(spec.alerts.receivers, slack) ? spec.alerts.receivers[slack] : undefined;
    if (receiver === undefined) {
      const slacks = receivers.filter((name) => spec.alerts.receivers[name]!.slack !== undefined);
      out.push({
        path: ["cloudAlerts", "slack"],
        message: `unknown receiver "${slack}" (Slack receivers: ${slacks.length ? slacks.join(", ") : "none defined"}; or ${NO_SLACK})`,
      });
    } else if (receiver.slack === undefined) {
      out.push({ path: ["cloudAlerts", "slack"], message: `receiver "${slack}" is not a Slack receiver; DigitalOcean alerts post to Slack webhooks only` });
    }
  }
  const grouping = spec.alerts.grouping;
  if (durationSeconds(grouping.repeat) < durationSeconds(grouping.interval)) {
    out.push({ path: ["alerts", "grouping", "repeat"], message: "must not be shorter than grouping.interval" });
  }
  return out;
}

/** The group_wait notifications of a route start with (its severity's own, else the default). */
function routeGroupWait(spec: Spec, severity: string | undefined): string {
  const g = spec.alerts.grouping;
  // Without grouping.wait, critical alerts wait one evaluation and the rest 30s (detection-timing.ts).
  const fallback = severity === "critical" ? spec.intervals.evaluation : "30s";
  return (severity === "warning" ? g.warning?.wait : severity === "info" ? g.info?.wait : undefined) ?? g.wait ?? fallback;
}

/** True when the runtime knows the IANA zone (Node's ICU carries the same tz database as Debian's tzdata). */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function checkMaintenance(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const hosts = spec.hosts.map((h) => h.name);
  for (const [i, prior] of duplicates(spec.maintenance, (w) => w.name)) {
    out.push({ path: ["maintenance", i, "name"], message: `duplicate maintenance window name "${spec.maintenance[i]!.name}" (also maintenance[${prior}])` });
  }
  spec.maintenance.forEach((w, i) => {
    const at = ["maintenance", i];
    if (w.weekdays === undefined && w.times === undefined) {
      out.push({ path: at, message: "needs weekdays or times (or both): a window without either would mute forever" });
    }
    if (w.hosts === undefined && w.alerts === undefined && w.match === undefined) {
      out.push({ path: at, message: "needs hosts, alerts or match: say which alerts the window mutes" });
    }
    w.weekdays?.forEach((range, j) => {
      const [from = "", to = from] = range.split(":");
      if (weekdayIndex(from) > weekdayIndex(to)) {
        out.push({ path: [...at, "weekdays", j], message: `"${range}" runs backwards; Alertmanager's week runs sunday→saturday (write ${from}:saturday and sunday:${to})` });
      }
    });
    w.times?.forEach((range, j) => {
      const [start, end] = timeRangeMinutes(range);
      if (start >= end) {
        out.push({
          path: [...at, "times", j],
          message: `"${range}" ends before it starts; a window across midnight is two ranges (e.g. 22:00-24:00 and 00:00-02:00 with the next weekday)`,
        });
      }
    });
    if (!isKnownTimeZone(w.timezone)) out.push({ path: [...at, "timezone"], message: `unknown IANA time zone "${w.timezone}" (e.g. Europe/Berlin, UTC)` });
    w.hosts?.forEach((name, j) => {
      if (!hosts.includes(name)) out.push({ path: [...at, "hosts", j], message: `unknown host "${name}" (hosts: ${hosts.join(", ")})` });
    });
  });
  return out;
}

/** Custom alert rules: one complete PromQL expression each, vigil's labels left to vigil. */
function checkRules(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const [i, prior] of duplicates(spec.rules, (r) => JSON.stringify([r.alert, r.severity, Object.entries(r.labels).sort()]))) {
    out.push({ path: ["rules", i, "alert"], message: `rule "${spec.rules[i]!.alert}" with severity ${spec.rules[i]!.severity} and the same labels is also rules[${prior}]` });
  }
  spec.rules.forEach((rule, i) => {
    const problem = promqlError(rule.expr);
    if (problem) out.push({ path: ["rules", i, "expr"], message: `${problem.message} (character ${problem.offset + 1})` });
    // Prometheus expands annotations and label values as templates (schema/prom-template.ts).
    const texts: [(string | number)[], string | undefined][] = [
      [["rules", i, "summary"], rule.summary],
      [["rules", i, "description"], rule.description],
      ...Object.entries(rule.labels).map(([k, v]): [(string | number)[], string] => [["rules", i, "labels", k], v]),
    ];
    for (const [path, text] of texts) {
      const templateProblem = text === undefined ? undefined : templateError(text);
      if (templateProblem) out.push({ path, message: templateProblem });
    }
    for (const label of Object.keys(rule.labels)) {
      if ((VIGIL_ALERT_LABELS as readonly string[]).includes(label)) {
        out.push({ path: ["rules", i, "labels", label], message: `"${label}" is set by vigil on every alert (alertname from alert, severity from severity, environment from the spec)`, key: true });
      }
    }
  });
  return out;
}

/**
 * Headers Prometheus sets itself or refuses in a remote_write's `headers` (its config check
 * rejects them): credentials belong in bearerToken/basicAuth, where they are secrets.
 */
export const RESERVED_REMOTE_WRITE_HEADERS = [
  "authorization", "host", "content-encoding", "content-length", "content-type", "user-agent", "connection", "keep-alive",
  "proxy-authenticate", "proxy-authorization", "www-authenticate", "accept-encoding", "x-prometheus-remote-write-version",
  "x-prometheus-scrape-timeout-seconds",
] as const;

function checkRemoteWrite(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const [i, prior] of duplicates(spec.remoteWrite, (r) => r.name)) {
    out.push({ path: ["remoteWrite", i, "name"], message: `duplicate remote write name "${spec.remoteWrite[i]!.name}" (also remoteWrite[${prior}])` });
  }
  spec.remoteWrite.forEach((r, i) => {
    const at = ["remoteWrite", i];
    if (r.bearerToken && r.basicAuth) out.push({ path: [...at, "basicAuth"], message: "give bearerToken or basicAuth, not both", key: true });
    let url: URL | undefined;
    try {
      url = new URL(r.url);
    } catch {
      out.push({ path: [...at, "url"], message: `"${r.url}" is not a URL` });
    }
    if (url) {
      if (url.username || url.password) out.push({ path: [...at, "url"], message: "credentials in the URL would be stored in plain text: use basicAuth with a secret" });
      const host = url.hostname.replace(/^\[|\]$/g, "");
      const local = (isIP(host) === 4 && (isPrivateIPv4(host) || host.startsWith("127."))) || host === "::1" || host === "localhost";
      if (url.protocol === "http:" && (r.bearerToken || r.basicAuth) && !local) {
        out.push({ path: [...at, "url"], message: "plain http would send the credentials in clear text: use https (http only to a private or loopback address)" });
      }
    }
    const seen = new Map<string, string>();
    for (const name of Object.keys(r.headers ?? {})) {
      const lower = name.toLowerCase();
      if ((RESERVED_REMOTE_WRITE_HEADERS as readonly string[]).includes(lower)) {
        out.push({ path: [...at, "headers", name], message: `Prometheus sets or refuses the header "${name}"${lower === "authorization" ? ": use bearerToken or basicAuth" : ""}`, key: true });
      }
      const prior = seen.get(lower);
      if (prior !== undefined) out.push({ path: [...at, "headers", name], message: `header "${name}" repeats "${prior}" (header names ignore case)`, key: true });
      seen.set(lower, name);
    }
  });
  return out;
}

/** The longest `every` or `grace` of a heartbeat: beyond a year the schedule is a typo. */
export const HEARTBEAT_MAX_SECONDS = 366 * 86400;

/**
 * Heartbeats: unique names, on a node host whose node_exporter the hub scrapes (vigil-heartbeat
 * publishes through its textfile collector), and a grace that covers how late the hub sees a
 * success: up to one scrape after it, one more when a scrape fails.
 */
function checkHeartbeats(spec: Spec): Problem[] {
  const out: Problem[] = [];
  const hosts = spec.hosts.map((h) => h.name);
  for (const [i, prior] of duplicates(spec.heartbeats, (b) => b.name)) {
    out.push({ path: ["heartbeats", i, "name"], message: `duplicate heartbeat name "${spec.heartbeats[i]!.name}" (also heartbeats[${prior}])` });
  }
  const scrape = durationSeconds(spec.intervals.scrape);
  spec.heartbeats.forEach((beat, i) => {
    const at = ["heartbeats", i];
    const host = spec.hosts.find((h) => h.name === beat.host);
    if (host === undefined) {
      out.push({ path: [...at, "host"], message: `unknown host "${beat.host}" (hosts: ${hosts.join(", ")})` });
    } else if (!host.roles.includes("node")) {
      out.push({ path: [...at, "host"], message: `host "${beat.host}" has no node role: vigil-heartbeat is installed by the node role (add node to its roles)` });
    }
    if (!spec.stack.nodeExporter.enabled) {
      out.push({ path: [...at, "host"], message: "heartbeats are published through node_exporter's textfile collector: enable stack.nodeExporter" });
    }
    for (const field of ["every", "grace"] as const) {
      if (durationSeconds(beat[field]) > HEARTBEAT_MAX_SECONDS) out.push({ path: [...at, field], message: `must be at most 366d (got ${beat[field]})` });
    }
    if (durationSeconds(beat.grace) < 2 * scrape) {
      out.push({
        path: [...at, "grace"],
        message: `must be at least two scrapes (${2 * scrape}s at intervals.scrape ${spec.intervals.scrape}): the hub sees a success up to a scrape late, and one failed scrape must not page`,
      });
    }
  });
  return out;
}
