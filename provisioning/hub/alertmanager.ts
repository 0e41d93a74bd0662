// Alertmanager on the hub (Debian: prometheus-alertmanager 0.25): receivers, routes (with
// maintenance windows, escalation and per-severity grouping; maintenance-windows.ts), grouping and
// inhibitions from spec.alerts, and its command line (no gossip on a single hub, peers on the
// private address for a pair).
//
// Secrets (docs/architecture.md, "Secrets in generated configs"). Alertmanager reads most of them
// from files: PagerDuty `routing_key_file`, Slack `api_url_file`, email `auth_password_file`; each
// is a 0600 file owned by prometheus (the user Debian runs Alertmanager as) whose whole content is
// the secret. A webhook URL has no `*_file` field in 0.25 (`url_file` came later), so for a
// `{ secret }` webhook URL the plan carries a TEMPLATE of alertmanager.yml and the exact place of
// that one field in it (`secretSites`: line and prefix, found by parsing the rendered YAML, never
// by searching its text), and the step composes the live file on the host by rewriting exactly
// those lines. amtool checks a candidate whose secrets are stand-ins of the same shape (an https
// URL) and its output is shown; then the real candidate, whose output is never shown. Only then
// does it replace /etc/prometheus/alertmanager.yml. Alertmanager itself shows a webhook URL as
// <secret> in its status API.
//
// Matchers. Alertmanager parses `matchers:` entries with its own rules (pkg/labels/parse.go):
// label names are Prometheus label names; a value in double quotes may escape only `\"`, `\\`
// and `\n`; every other character, tab included, stands for itself (a `\t` would be two
// characters). `matcher` is the one function that writes them.
import { isScalar, isSeq, LineCounter, parseDocument, type YAMLMap } from "yaml";
import { stringify } from "yaml";
import type { Host, MaintenanceWindow, Receiver, Route, SecretRef, Severity, Spec } from "../../schema/spec-schema.ts";
import { isSecretRef } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile } from "../plan.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT } from "../service-ports.ts";
import { peerHub } from "./prometheus.ts";
import { shq } from "../shell-quote.ts";
import { PROMETHEUS_USER, SECRETS_DIR, secretPath } from "./hub-secrets.ts";

export { PROMETHEUS_USER, SECRETS_DIR, secretPath };
import { WATCHDOG_ALERT } from "../rules/watchdog-rules.ts";
import { groupWait } from "../detection-timing.ts";
import { timeIntervals, windowsDisjoint } from "./maintenance-windows.ts";

export const ALERTMANAGER_CONFIG = "/etc/prometheus/alertmanager.yml";
/** The plan's version of alertmanager.yml: webhook secrets as placeholders. No secret inside. */
export const ALERTMANAGER_TEMPLATE = "/etc/prometheus/alertmanager.yml.vigil-template";
/**
 * Debian's Alertmanager keeps its state here (its built-in --storage.path default; vigil does not
 * set the flag). Two files, checked on Alertmanager 0.25.0-1+b4: `nflog` (the notification log:
 * what was sent to whom, as firing or resolved) and `silences`.
 */
export const ALERTMANAGER_STORAGE = "/var/lib/prometheus/alertmanager";
/** Exists from the first Alertmanager start after a boot until the next boot (/run is a tmpfs). */
export const STARTED_SINCE_BOOT = "/run/vigil-alertmanager-started";
/**
 * Receiver of alerts no route matches (and of VigilWatchdog without a heartbeat): it has no
 * configs, so they are dropped. A `.` cannot occur in a spec receiver name, so it never clashes.
 */
export const UNROUTED = "vigil.unrouted";
/** How often VigilWatchdog is re-sent to the heartbeat receiver. */
export const HEARTBEAT_REPEAT = "1m";

export const placeholder = (name: string): string => `__VIGIL_SECRET_${name}__`;

/** A matcher operator. */
export type MatchOp = "=" | "!=" | "=~" | "!~";

/** A matcher value in Alertmanager's syntax: double quotes; only \\, " and newline escaped. */
export const matcherValue = (value: string): string => `"${value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`;

/** One Alertmanager matcher, `label="value"`; throws on a label name Prometheus would not accept. */
export function matcher(label: string, op: MatchOp, value: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) throw new Error(`internal: ${JSON.stringify(label)} is not a label name`);
  return `${label}${op}${matcherValue(value)}`;
}

/**
 * A regular expression matching exactly one of `values` (Alertmanager anchors it; RE2 syntax): each
 * value with its metacharacters escaped. It becomes a matcher's value (through matcherValue) or
 * the value of an `isRegex` matcher of the Alertmanager API.
 */
export const anyOf = (values: readonly string[]): string => values.map((v) => v.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&")).join("|");
const m = matcher;

// Routing tree (spec.alerts.routes, with maintenance windows, escalation and per-severity grouping).
//
// Maintenance windows become top-level `time_intervals` (maintenance-windows.ts) and
// `mute_time_intervals` on the routes they concern. A route can only be muted by the intervals
// listed on it, and an alert takes one path through the tree, so an alert two windows can both
// concern needs a route listing both: windows are nested (the subtree of window A holds a subtree
// for every later window B that can concern the same alert, muted by [A, B]), and every subtree
// ends with a copy of the spec's routes. Windows that can never concern the same alert (disjoint
// hosts or alert names) are not nested, which keeps the usual tree small. The mute list is written
// on every route of a subtree: correct whether or not a child inherits its parent's mute intervals.
//
// Escalation (`escalate: [{ after, to }]`): a child route per step, with `continue`, whose
// receivers are the secondary and whose `group_wait` is `after`. Its groups are per alert
// (`group_by: ['...']`): a group is created when its alert first reaches Alertmanager and is
// flushed `after` later; Alertmanager sends nothing for a group whose only alerts have resolved
// and were never notified. So the secondary hears of an alert exactly when it is STILL (or again)
// firing `after` after it started — not "unacknowledged": Alertmanager has no acknowledgement.

/** A route of alertmanager.yml (only the fields vigil writes, in the order it writes them). */
export interface AmRoute {
  receiver?: string;
  matchers?: string[];
  group_by?: string[];
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  continue?: boolean;
  mute_time_intervals?: string[];
  routes?: AmRoute[];
}

/** The matchers selecting the alerts a window concerns (all must hold). */
export function windowMatchers(w: MaintenanceWindow): string[] {
  return [
    ...(w.hosts ? [w.hosts.length === 1 ? matcher("host", "=", w.hosts[0]!) : matcher("host", "=~", anyOf(w.hosts))] : []),
    ...(w.alerts ? [w.alerts.length === 1 ? matcher("alertname", "=", w.alerts[0]!) : matcher("alertname", "=~", anyOf(w.alerts))] : []),
    ...Object.entries(w.match ?? {}).map(([k, v]) => matcher(k, "=", v)),
  ];
}

/** One receiver per child, each with `continue`, and one child per escalation receiver. */
function fanOut(route: Route, mutes: string[]): AmRoute[] {
  const muted = mutes.length > 0 ? { mute_time_intervals: mutes } : {};
  if (route.to.length === 1 && !route.escalate) return [];
  return [
    ...route.to.map((receiver) => ({ receiver, continue: true, ...muted })),
    ...(route.escalate ?? []).flatMap((step) =>
      step.to.map((receiver) => ({ receiver, group_by: ["..."], group_wait: step.after, continue: true, ...muted })),
    ),
  ];
}

/** A spec route: its matchers, per-severity grouping children, receivers and escalation. */
function specRoute(spec: Spec, route: Route, mutes: string[]): AmRoute {
  const muted = mutes.length > 0 ? { mute_time_intervals: mutes } : {};
  const matchers = [
    ...(route.severity ? [matcher("severity", "=", route.severity)] : []),
    ...Object.entries(route.match ?? {}).map(([k, v]) => matcher(k, "=", v)),
  ];
  const g = spec.alerts.grouping;
  const batched = (["warning", "info"] as const satisfies readonly Severity[]).filter(
    (s) => g[s] !== undefined && (route.severity === undefined || route.severity === s),
  );
  // A route of one severity takes its grouping itself; a route of several gets a child per
  // severity that has its own grouping, in front of the receivers.
  const own = route.severity !== undefined && batched.includes(route.severity as "warning" | "info") ? g[route.severity as "warning" | "info"] : undefined;
  const grouping = (s: NonNullable<typeof own> | undefined) => ({
    ...(s?.by ? { group_by: [...s.by] } : {}),
    ...(s?.wait ? { group_wait: s.wait } : {}),
    ...(s?.interval ? { group_interval: s.interval } : {}),
  });
  const repeat = (s: typeof own) => route.repeat ?? s?.repeat;
  const perSeverity: AmRoute[] =
    route.severity === undefined
      ? batched.map((s) => {
          const children = fanOut(route, mutes);
          return {
            receiver: route.to[0],
            matchers: [matcher("severity", "=", s)],
            ...grouping(g[s]),
            ...(repeat(g[s]) ? { repeat_interval: repeat(g[s]) } : {}),
            ...muted,
            ...(children.length > 0 ? { routes: children } : {}),
          };
        })
      : [];
  const children = [...perSeverity, ...fanOut(route, mutes)];
  return {
    receiver: route.to[0],
    ...(matchers.length > 0 ? { matchers } : {}),
    ...grouping(own),
    ...(repeat(own) ? { repeat_interval: repeat(own) } : {}),
    ...(route.continue ? { continue: true } : {}),
    ...muted,
    ...(children.length > 0 ? { routes: children } : {}),
  };
}

/**
 * The routes below the root that carry the spec's routing (after the watchdog's): maintenance
 * subtrees first (see the header), then the spec's routes unmuted.
 */
export function specRoutes(spec: Spec): AmRoute[] {
  const windows = spec.maintenance;
  const level = (active: MaintenanceWindow[], from: number): AmRoute[] => {
    const mutes = active.map((w) => w.name);
    const nested: AmRoute[] = [];
    for (let i = from; i < windows.length; i++) {
      const w = windows[i]!;
      if (active.some((a) => windowsDisjoint(a, w))) continue;
      const now = [...active, w];
      nested.push({ matchers: windowMatchers(w), mute_time_intervals: now.map((x) => x.name), routes: level(now, i + 1) });
    }
    return [...nested, ...spec.alerts.routes.map((r) => specRoute(spec, r, mutes))];
  };
  return level([], 0);
}


/** Secrets the receivers read from files, and webhook URLs that must be substituted. */
export function alertmanagerSecrets(spec: Spec): { files: string[]; substituted: string[] } {
  const files = new Set<string>();
  const substituted = new Set<string>();
  for (const r of Object.values(spec.alerts.receivers)) {
    if (r.pagerduty) files.add(r.pagerduty.routingKey.secret);
    if (r.slack) files.add(r.slack.webhook.secret);
    if (r.email?.password) files.add(r.email.password.secret);
    if (r.webhook && isSecretRef(r.webhook.url)) substituted.add(r.webhook.url.secret);
  }
  return { files: [...files].sort(), substituted: [...substituted].sort() };
}

function receiverConfig(name: string, r: Receiver): Record<string, unknown> {
  if (r.pagerduty) {
    return { name, pagerduty_configs: [{ routing_key_file: secretPath(r.pagerduty.routingKey.secret), ...(r.pagerduty.url ? { url: r.pagerduty.url } : {}), send_resolved: true }] };
  }
  if (r.slack) {
    return { name, slack_configs: [{ api_url_file: secretPath(r.slack.webhook.secret), ...(r.slack.channel ? { channel: r.slack.channel } : {}), send_resolved: true }] };
  }
  if (r.email) {
    const e = r.email;
    return {
      name,
      email_configs: [
        {
          to: e.to.join(", "),
          from: e.from,
          smarthost: e.smarthost,
          ...(e.username !== undefined ? { auth_username: e.username } : {}),
          ...(e.password ? { auth_password_file: secretPath(e.password.secret) } : {}),
          require_tls: e.requireTls,
          send_resolved: true,
        },
      ],
    };
  }
  if (r.webhook) {
    const url = r.webhook.url;
    return { name, webhook_configs: [{ url: isSecretRef(url) ? placeholder((url as SecretRef).secret) : url, send_resolved: true }] };
  }
  throw new Error(`receiver "${name}" has no pagerduty, slack, email or webhook`);
}

/** alertmanager.yml as the plan carries it (webhook secrets as placeholders in single quotes). */
export function alertmanagerTemplate(spec: Spec): string {
  const a = spec.alerts;
  const config = {
    route: {
      receiver: UNROUTED,
      group_by: [...a.grouping.by],
      group_wait: groupWait(spec, "warning"),
      group_interval: a.grouping.interval,
      repeat_interval: a.grouping.repeat,
      routes: [
        {
          // Always first: the watchdog goes to the heartbeat receiver only, often, and never pages.
          receiver: a.heartbeat ?? UNROUTED,
          matchers: [m("alertname", "=", WATCHDOG_ALERT)],
          group_by: ["alertname"],
          group_wait: "0s",
          group_interval: HEARTBEAT_REPEAT,
          repeat_interval: HEARTBEAT_REPEAT,
        },
        // Critical alerts were confirmed by their `for` already: waiting 30 s more for company
        // would cost more than the confirm window itself (detection-timing.ts). group_wait is a
        // property of a route, not of an alert, so the spec's routes are repeated below a
        // severity="critical" parent that carries the short wait; the same first-match order
        // and `continue` apply inside it. Everything else falls through to the second copy.
        // Unmatched critical alerts stop at the parent, whose receiver (like the root's) drops them.
        {
          receiver: UNROUTED,
          matchers: [m("severity", "=", "critical")],
          group_wait: groupWait(spec, "critical"),
          routes: specRoutes(spec),
        },
        ...specRoutes(spec),
      ],
    },
    inhibit_rules: [
      // Everything of a host that does not answer is a consequence of that.
      { source_matchers: [m("alertname", "=", "HostDown")], target_matchers: [m("host", "=~", ".+"), m("alertname", "!=", "HostDown")], equal: ["host"] },
      // A host's warnings while the same host has a critical alert. `host=~".+"` on both sides:
      // `equal` also matches two alerts that both LACK the label, which would let any critical
      // alert without a host silence every warning without one.
      { source_matchers: [m("severity", "=", "critical"), m("host", "=~", ".+")], target_matchers: [m("severity", "=", "warning"), m("host", "=~", ".+")], equal: ["host"] },
      // The same for an uptime check (failing silences slow / certificate warnings).
      { source_matchers: [m("severity", "=", "critical"), m("check", "=~", ".+")], target_matchers: [m("severity", "=", "warning"), m("check", "=~", ".+")], equal: ["check"] },
      // A fast burn of an SLO silences its slow burn.
      {
        source_matchers: [m("alertname", "=", "SloErrorBudgetBurn"), m("severity", "=", "critical")],
        target_matchers: [m("alertname", "=", "SloErrorBudgetBurn"), m("severity", "=", "warning")],
        equal: ["slo"],
      },
    ],
    receivers: [{ name: UNROUTED }, ...Object.entries(a.receivers).map(([name, r]) => receiverConfig(name, r))],
    ...(spec.maintenance.length > 0 ? { time_intervals: timeIntervals(spec) } : {}),
  };
  return "# Written by vigil; changes here are overwritten on the next apply.\n" + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Where a webhook secret goes: the 1-based line of the template whose scalar is that URL. */
export interface SecretSite {
  line: number;
  /** The line's text before the value (`  - url: `); the value runs to the end of the line. */
  prefix: string;
  secret: string;
}

/**
 * The lines of `template` that hold a `{ secret }` webhook URL, found in the PARSED template:
 * receivers[i].webhook_configs[j].url of the receivers whose spec URL is a secret. Each must be
 * a plain scalar that ends its line, so the host can replace exactly that line.
 */
export function secretSites(spec: Spec, template: string): SecretSite[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(template, { lineCounter });
  const receivers = doc.get("receivers");
  if (!isSeq(receivers)) throw new Error("internal: alertmanager template without receivers");
  const lines = template.split("\n");
  const sites: SecretSite[] = [];
  for (const item of receivers.items as YAMLMap[]) {
    const name = String(item.get("name"));
    const url = spec.alerts.receivers[name]?.webhook?.url;
    if (url === undefined || !isSecretRef(url)) continue;
    const configs = item.get("webhook_configs");
    if (!isSeq(configs)) throw new Error(`internal: receiver ${name} has no webhook_configs`);
    for (const config of configs.items as YAMLMap[]) {
      const node = config.get("url", true);
      if (!isScalar(node) || node.value !== placeholder(url.secret) || !node.range) throw new Error(`internal: webhook url of ${name} is not its placeholder`);
      const { line, col } = lineCounter.linePos(node.range[0]);
      const text = lines[line - 1]!;
      if (text.slice(col - 1) !== placeholder(url.secret)) throw new Error(`internal: webhook url of ${name} does not end its line`);
      sites.push({ line, prefix: text.slice(0, col - 1), secret: url.secret });
    }
  }
  return sites;
}

/** The stand-in for a webhook secret while amtool's output may be shown: a URL of the same shape. */
export const secretStandIn = (name: string): string => `https://vigil-secret.invalid/${name}`;

/** Files of the alertmanager step: the template and one 0600 file per secret. */
export function alertmanagerFiles(spec: Spec): PlanFile[] {
  const { files, substituted } = alertmanagerSecrets(spec);
  const owner = `${PROMETHEUS_USER}:${PROMETHEUS_USER}`;
  return [
    { path: ALERTMANAGER_TEMPLATE, mode: "0644", owner: "root:root", content: alertmanagerTemplate(spec) },
    ...[...new Set([...files, ...substituted])].sort().map((name) => ({ path: secretPath(name), mode: "0600", owner, secret: name })),
  ];
}

export interface ComposePaths {
  template: string;
  secretsDir: string;
  /** Where the checked candidate is left for `installComposedConfig`. */
  candidate: string;
  owner: string;
  amtool: string;
}

export const DEFAULT_COMPOSE_PATHS: ComposePaths = {
  template: ALERTMANAGER_TEMPLATE,
  secretsDir: SECRETS_DIR,
  candidate: `${ALERTMANAGER_CONFIG}.vigil-candidate`,
  owner: `${PROMETHEUS_USER}:${PROMETHEUS_USER}`,
  amtool: "amtool",
};

/**
 * Shell (a validate body: returns 1 on failure) that composes the candidate alertmanager.yml from
 * the template and the webhook secret files, and checks it with amtool: first with stand-ins
 * (its message shown), then with the real values (its message never shown: it could quote them).
 * Paths are parameters so the tests run this very text against a temporary directory.
 */
export function composeAndCheckScript(spec: Spec, p: ComposePaths = DEFAULT_COMPOSE_PATHS): string {
  const [user, group] = p.owner.split(":") as [string, string];
  const sites = secretSites(spec, alertmanagerTemplate(spec));
  const write = (array: string) => [
    `rm -f ${shq(p.candidate)}`,
    `(umask 077 && printf '%s\\n' "\${${array}[@]}" > ${shq(p.candidate)}) || return 1`,
    `chown ${shq(`${user}:${group}`)} ${shq(p.candidate)} || return 1`,
  ];
  const lines = [
    // bash 5.2 would expand & in a ${x//p/r} replacement; the replacements here hold none anyway.
    `shopt -u patsub_replacement 2>/dev/null || true`,
    `local out value`,
    `local -a standin=() real=()`,
    `mapfile -t standin < ${shq(p.template)} || return 1`,
    `real=("\${standin[@]}")`,
  ];
  for (const site of sites) {
    const expected = `${site.prefix}${placeholder(site.secret)}`;
    const yamlQuoted = (v: string) => `'${v.replaceAll("'", "''")}'`;
    lines.push(
      `[ "\${standin[${site.line - 1}]}" = ${shq(expected)} ] || { echo ${shq(`vigil: line ${site.line} of the template is not the place of secret ${site.secret}`)} >&2; return 1; }`,
      `value=$(cat ${shq(`${p.secretsDir}/${site.secret}`)}) || return 1`,
      // A YAML single-quoted scalar holds any printable text ('' for '), but no control character.
      `case $value in '' | *[[:cntrl:]]*) echo ${shq(`vigil: secret ${site.secret} must be a one-line webhook URL without control characters`)} >&2; return 1 ;; esac`,
      `standin[${site.line - 1}]=${shq(`${site.prefix}${yamlQuoted(secretStandIn(site.secret))}`)}`,
      `value=\${value//\\'/\\'\\'}`,
      `real[${site.line - 1}]=${shq(site.prefix)}"'$value'"`,
    );
  }
  lines.push(
    ...write("standin"),
    `if ! out=$(${p.amtool} check-config ${shq(p.candidate)} 2>&1); then`,
    `  rm -f ${shq(p.candidate)}`,
    `  printf '%s\\n' "$out" >&2`,
    `  return 1`,
    `fi`,
  );
  if (sites.length > 0) {
    const names = [...new Set(sites.map((site) => site.secret))].join(", ");
    lines.push(
      ...write("real"),
      `if ! ${p.amtool} check-config ${shq(p.candidate)} >/dev/null 2>&1; then`,
      `  rm -f ${shq(p.candidate)}`,
      `  echo ${shq(`vigil: amtool rejects alertmanager.yml with the value of secret ${names} (it accepts it with a stand-in URL): check that the secret is an http(s) URL; amtool's message is withheld because it quotes the secret`)} >&2`,
      `  return 1`,
      `fi`,
    );
  }
  return lines.join("\n");
}

/** Moves the checked candidate over the live file (same directory: an atomic rename). */
export const installComposedConfig = (p: ComposePaths = DEFAULT_COMPOSE_PATHS): string =>
  `mv -f ${shq(p.candidate)} ${shq(ALERTMANAGER_CONFIG)}`;

/** Alertmanager's command line: loopback only, gossip off; a pair gossips on the private address. */
export function alertmanagerArgs(spec: Spec, hub: Host, ctx: PlanContext): string[] {
  const peer = peerHub(spec, hub);
  if (!peer) return [`--web.listen-address=${hostPort("127.0.0.1", ALERTMANAGER_PORT)}`, "--cluster.listen-address="];
  const own = privateAddressOf(hub, ctx);
  // The peer's Prometheus sends here too, so the API also listens on the private address.
  const listen = [...new Set(["127.0.0.1", own])].map((a) => `--web.listen-address=${hostPort(a, ALERTMANAGER_PORT)}`);
  return [
    ...listen,
    `--cluster.listen-address=${hostPort(own, ALERTMANAGER_CLUSTER_PORT)}`,
    `--cluster.peer=${hostPort(privateAddressOf(peer, ctx), ALERTMANAGER_CLUSTER_PORT)}`,
  ];
}

/**
 * Shell run before Alertmanager's first start after a boot: removes the notification log and
 * keeps silences. Why: Prometheus and Alertmanager go down together when the hub reboots, so the
 * resolution of an alert firing then is never seen, and the surviving nflog still says "already
 * notified as firing": a recurrence within `repeat` (4 h by default) would be swallowed (issue
 * 18). Without the log, an alert still firing after the boot is sent once more: a duplicate, never
 * a lost page. Restarts of Alertmanager alone (an apply, a crash) keep the log, so they send no
 * duplicates: Prometheus re-sends its firing alerts within a minute and the log still matches.
 */
export function forgetNotificationLogScript(storage = ALERTMANAGER_STORAGE, marker = STARTED_SINCE_BOOT): string {
  return `if [ ! -e ${shq(marker)} ]; then rm -f ${shq(`${storage}/nflog`)}; fi; touch ${shq(marker)}`;
}

/** Alertmanager's unit drop-in: the network first (a pair binds the private address), and a reboot forgets the nflog. */
export function alertmanagerDropIn(): string {
  const script = forgetNotificationLogScript();
  // systemd reads `$` and `%` in ExecStartPre itself; the script must have neither.
  if (/[$%]/.test(script)) throw new Error("internal: the nflog script would be expanded by systemd");
  return `# Written by vigil.
[Unit]
Wants=network-online.target
After=network-online.target

[Service]
RestartSec=5s
# First start after a boot: forget which alerts were notified, keep silences (alertmanager.ts,
# forgetNotificationLogScript). "+": as root, the unit runs as prometheus and cannot write /run.
ExecStartPre=+/bin/sh -c ${JSON.stringify(script)}
`;
}
