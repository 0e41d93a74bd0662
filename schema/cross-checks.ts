// Checks the JSON Schema cannot express: references between fields, uniqueness, ordering of
// thresholds, and values DigitalOcean accepts. Pure: spec in, located problems out.
import { isIP } from "node:net";
import { durationSeconds } from "./durations.ts";
import { isPrivateIPv4, parseCidr } from "./ip-ranges.ts";
import { SLO_WINDOW_MAX, SLO_WINDOW_MIN, sloWindowWithin } from "./slo-window.ts";
import type { AgentConfig, Spec } from "./spec-schema.ts";

export interface Problem {
  path: (string | number)[];
  message: string;
  /** Point at the key rather than the value (for problems about a name). */
  key?: boolean;
}

/** Every cross-field problem of a schema-valid spec (defaults filled). */
export function crossCheck(spec: Spec): Problem[] {
  return [
    ...checkHosts(spec),
    ...checkNetwork(spec),
    ...checkThresholds(spec),
    ...checkUptime(spec),
    ...checkSlos(spec),
    ...checkAlerts(spec),
    ...checkRemoteWrite(spec),
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
      if (!isAddressOrHostname(address)) out.push({ path: ["hosts", i, "existing", "address"], message: `"${address}" is not an IP address or host name` });
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

/** The `database` label of a configured database: its name, else the file name without extension. */
export function databaseLabel(db: { path: string; name?: string }): string {
  return db.name ?? db.path.split("/").pop()!.replace(/\.[^.]*$/, "");
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

function isAddressOrHostname(text: string): boolean {
  return isIP(text) !== 0 || /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(text);
}

function checkThresholds(spec: Spec): Problem[] {
  const out: Problem[] = [];
  for (const name of ["cpu", "memory", "disk", "load"] as const) {
    const t = spec.thresholds[name];
    if (t.warning >= t.critical) {
      out.push({ path: ["thresholds", name, "warning"], message: `warning (${t.warning}) must be below critical (${t.critical})` });
    }
  }
  if (durationSeconds(spec.intervals.evaluation) < durationSeconds(spec.intervals.scrape)) {
    out.push({ path: ["intervals", "evaluation"], message: "must not be shorter than intervals.scrape" });
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
    if (check.tcp !== undefined) {
      const port = Number(check.tcp.split(":").pop());
      if (port < 1 || port > 65535) out.push({ path: ["uptime", i, "tcp"], message: `port ${port} is out of range 1-65535` });
    }
    if (check.sslExpiryDays !== undefined && !check.url?.startsWith("https://")) {
      out.push({ path: ["uptime", i, "sslExpiryDays"], message: "applies only to https:// checks", key: true });
    }
    if (check.url !== undefined) {
      try {
        new URL(check.url);
      } catch {
        out.push({ path: ["uptime", i, "url"], message: `"${check.url}" is not a valid URL` });
      }
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
    if (!sloWindowWithin(slo.window)) {
      out.push({ path: ["slos", i, "window"], message: `must be between ${SLO_WINDOW_MIN} and ${SLO_WINDOW_MAX} for multi-window burn-rate alerts (got ${slo.window})` });
    }
  });
  return out;
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
  const { heartbeat } = spec.alerts;
  if (heartbeat !== undefined && !receivers.includes(heartbeat)) out.push({ path: ["alerts", "heartbeat"], message: unknown(heartbeat) });
  const grouping = spec.alerts.grouping;
  if (durationSeconds(grouping.repeat) < durationSeconds(grouping.interval)) {
    out.push({ path: ["alerts", "grouping", "repeat"], message: "must not be shorter than grouping.interval" });
  }
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
