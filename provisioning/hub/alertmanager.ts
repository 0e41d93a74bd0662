// Alertmanager on the hub (Debian: prometheus-alertmanager 0.25): receivers, routes, grouping and
// inhibitions from spec.alerts, and its command line (no gossip on a single hub, peers on the
// private address for a pair).
//
// Secrets. Alertmanager reads most of them from files: PagerDuty `routing_key_file`, Slack
// `api_url_file`, email `auth_password_file`; each is a 0600 file owned by prometheus (the user
// Debian runs Alertmanager as) whose whole content is the secret. A webhook URL has no `*_file`
// field in 0.25 (`url_file` came later), so for a `{ secret }` webhook URL the plan carries a
// TEMPLATE of alertmanager.yml with a placeholder, and the step composes the live file on the
// host: the secret is substituted into a 0600 prometheus-owned candidate, `amtool check-config`
// checks it, and only then does it replace /etc/prometheus/alertmanager.yml. The secret never
// appears in the plan, in a world-readable file or in output (amtool's message is withheld if it
// quotes the secret). Alertmanager itself shows a webhook URL as <secret> in its status API.
import { stringify } from "yaml";
import type { Host, Receiver, Route, SecretRef, Spec } from "../../schema/spec-schema.ts";
import { isSecretRef } from "../../schema/spec-schema.ts";
import type { PlanContext, PlanFile } from "../plan.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { ALERTMANAGER_CLUSTER_PORT, ALERTMANAGER_PORT } from "../service-ports.ts";
import { peerHub } from "./prometheus.ts";
import { shq } from "../shell-quote.ts";
import { PROMETHEUS_USER, SECRETS_DIR, secretPath } from "./hub-secrets.ts";

export { PROMETHEUS_USER, SECRETS_DIR, secretPath };
import { WATCHDOG_ALERT } from "../rules/watchdog-rules.ts";

export const ALERTMANAGER_CONFIG = "/etc/prometheus/alertmanager.yml";
/** The plan's version of alertmanager.yml: webhook secrets as placeholders. No secret inside. */
export const ALERTMANAGER_TEMPLATE = "/etc/prometheus/alertmanager.yml.vigil-template";
/**
 * Receiver of alerts no route matches (and of VigilWatchdog without a heartbeat): it has no
 * configs, so they are dropped. A `.` cannot occur in a spec receiver name, so it never clashes.
 */
export const UNROUTED = "vigil.unrouted";
/** How often VigilWatchdog is re-sent to the heartbeat receiver. */
export const HEARTBEAT_REPEAT = "1m";

export const placeholder = (name: string): string => `__VIGIL_SECRET_${name}__`;

const m = (label: string, op: "=" | "!=" | "=~", value: string) => `${label}${op}${JSON.stringify(value)}`;

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

/** One spec route: its matchers, and one child per receiver (with `continue`) when it has several. */
function routeConfig(route: Route): Record<string, unknown> {
  const matchers = [
    ...(route.severity ? [m("severity", "=", route.severity)] : []),
    ...Object.entries(route.match ?? {}).map(([k, v]) => m(k, "=", v)),
  ];
  return {
    receiver: route.to[0],
    ...(matchers.length > 0 ? { matchers } : {}),
    ...(route.repeat ? { repeat_interval: route.repeat } : {}),
    ...(route.continue ? { continue: true } : {}),
    ...(route.to.length > 1 ? { routes: route.to.map((receiver) => ({ receiver, continue: true })) } : {}),
  };
}

/** alertmanager.yml as the plan carries it (webhook secrets as placeholders in single quotes). */
export function alertmanagerTemplate(spec: Spec): string {
  const a = spec.alerts;
  const config = {
    route: {
      receiver: UNROUTED,
      group_by: [...a.grouping.by],
      group_wait: a.grouping.wait,
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
        ...a.routes.map(routeConfig),
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
  };
  let text = "# Written by vigil; changes here are overwritten on the next apply.\n" + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
  for (const name of alertmanagerSecrets(spec).substituted) {
    // The composed value goes inside single quotes, where only ' needs escaping ('').
    const plain = new RegExp(`(url: )${placeholder(name)}$`, "gm");
    if (!plain.test(text)) throw new Error(`internal: placeholder for secret ${name} not rendered as a plain scalar`);
    text = text.replace(plain, `$1'${placeholder(name)}'`);
  }
  return text;
}

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
 * the template and the webhook secret files, and checks it with amtool. Paths are parameters so
 * the tests run this very text against a temporary directory.
 */
export function composeAndCheckScript(substituted: string[], p: ComposePaths = DEFAULT_COMPOSE_PATHS): string {
  const [user, group] = p.owner.split(":") as [string, string];
  const lines = [
    `# bash 5.2 would expand & in a replacement; the replacement is quoted and this is off anyway.`,
    `shopt -u patsub_replacement 2>/dev/null || true`,
    `local text value out`,
    `text=$(cat ${shq(p.template)} && printf x) || return 1`,
    `text=\${text%x}`,
    `local -a values=()`,
  ];
  for (const name of substituted) {
    lines.push(
      `value=$(cat ${shq(`${p.secretsDir}/${name}`)}) || return 1`,
      `case $value in *$'\\n'* | *$'\\r'* | '') echo "vigil: secret ${name} must be a one-line webhook URL" >&2; return 1 ;; esac`,
      `values+=("$value")`,
      `value=\${value//\\'/\\'\\'}`,
      `text=\${text//${shq(`'${placeholder(name)}'`)}/"'$value'"}`,
    );
  }
  lines.push(
    `rm -f ${shq(p.candidate)}`,
    `(umask 077 && printf '%s' "$text" > ${shq(p.candidate)}) || return 1`,
    `chown ${shq(`${user}:${group}`)} ${shq(p.candidate)} || return 1`,
    `if ! out=$(${p.amtool} check-config ${shq(p.candidate)} 2>&1); then`,
    `  rm -f ${shq(p.candidate)}`,
    `  for value in "\${values[@]}"; do`,
    `    case $out in *"$value"*) out="amtool rejected the composed alertmanager.yml (its message quotes a secret and is withheld)" ;; esac`,
    `  done`,
    `  printf '%s\\n' "$out" >&2`,
    `  return 1`,
    `fi`,
  );
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
