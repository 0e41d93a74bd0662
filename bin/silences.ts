// `vigil silence`: silences as Alertmanager API v2 objects, from the command's options, and
// their listing. Pure; the command (bin/commands/silence.ts) sends them over the hub connection.
//
// Matchers are API data (name, value, isRegex, isEqual), never matcher text, so a value needs no
// quoting; several --host (or --alert) values become one regex matcher of the escaped values,
// since two equality matchers on one label could never both hold.
import { ALERT_NAME_PATTERN, LABEL_NAME, type Spec } from "../schema/spec-schema.ts";
import { durationSeconds } from "../schema/durations.ts";
import { anyOf } from "../provisioning/hub/alertmanager.ts";
import type { AmMatcher, AmPostableSilence, AmSilence } from "./hub-api.ts";
import { formatAge } from "./fleet-status.ts";

export interface SilenceRequest {
  hosts: string[];
  alerts: string[];
  /** `label=value` pairs. */
  match: string[];
  for: string;
  comment: string;
  author: string;
}

/** The silence to post, or the problems with the request (one line each). */
export function buildSilence(spec: Spec, r: SilenceRequest, now: Date): { silence: AmPostableSilence } | { errors: string[] } {
  const errors: string[] = [];
  const known = spec.hosts.map((h) => h.name);
  for (const h of r.hosts) if (!known.includes(h)) errors.push(`--host ${h}: no such host in the spec (hosts: ${known.join(", ")})`);
  for (const a of r.alerts) if (!new RegExp(ALERT_NAME_PATTERN).test(a)) errors.push(`--alert ${a}: not an alert name`);
  const pairs = new Map<string, string>();
  for (const m of r.match) {
    const eq = m.indexOf("=");
    const [k, v] = eq < 0 ? [m, undefined] : [m.slice(0, eq), m.slice(eq + 1)];
    if (v === undefined || !new RegExp(LABEL_NAME).test(k)) errors.push(`--match ${m}: expected LABEL=VALUE with a Prometheus label name`);
    else if (pairs.has(k) || (k === "host" && r.hosts.length > 0) || (k === "alertname" && r.alerts.length > 0)) errors.push(`--match ${m}: label ${k} is matched twice`);
    else pairs.set(k, v);
  }
  if (r.hosts.length + r.alerts.length + pairs.size === 0) errors.push("say what to silence: --host, --alert or --match (a silence of everything is refused)");
  let seconds = 0;
  try {
    seconds = durationSeconds(r.for);
  } catch {
    errors.push(`--for ${r.for}: expected a duration like 30m, 2h, 1d`);
  }
  if (r.comment.trim() === "") errors.push("--comment is required: say why, for whoever sees the silence next");
  if (r.author.trim() === "") errors.push("--author is empty");
  if (errors.length > 0) return { errors };
  const eq = (name: string, value: string): AmMatcher => ({ name, value, isRegex: false, isEqual: true });
  const oneOf = (name: string, values: string[]): AmMatcher => (values.length === 1 ? eq(name, values[0]!) : { name, value: anyOf(values), isRegex: true, isEqual: true });
  const matchers = [
    ...(r.hosts.length > 0 ? [oneOf("host", r.hosts)] : []),
    ...(r.alerts.length > 0 ? [oneOf("alertname", r.alerts)] : []),
    ...[...pairs].map(([k, v]) => eq(k, v)),
  ];
  return {
    silence: { matchers, startsAt: now.toISOString(), endsAt: new Date(now.getTime() + seconds * 1000).toISOString(), createdBy: r.author, comment: r.comment },
  };
}

/** `host="app-1", alertname=~"A|B"` as amtool shows matchers. */
export const formatMatchers = (ms: readonly AmMatcher[]): string =>
  ms.map((m) => `${m.name}${m.isEqual === false ? (m.isRegex ? "!~" : "!=") : m.isRegex ? "=~" : "="}${JSON.stringify(m.value)}`).join(", ");

/** Active and pending silences (all with `all`), soonest end first. */
export function listedSilences(silences: AmSilence[], all: boolean): AmSilence[] {
  return silences.filter((s) => all || s.status.state !== "expired").sort((a, b) => a.endsAt.localeCompare(b.endsAt));
}

export function formatSilences(silences: AmSilence[], now: Date): string {
  if (silences.length === 0) return "no silences\n";
  const rows = [
    ["id", "state", "ends", "matchers", "by", "comment"],
    ...silences.map((s) => {
      const left = Math.round((new Date(s.endsAt).getTime() - now.getTime()) / 1000);
      const ends = s.status.state === "expired" ? s.endsAt.replace(/\.\d+Z$/, "Z") : `in ${formatAge(Math.max(0, left))}`;
      return [s.id, s.status.state, ends, formatMatchers(s.matchers), s.createdBy, s.comment.replace(/\s+/g, " ")];
    }),
  ];
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), []);
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n")}\n`;
}

/** Alertmanager silence ids are UUIDs. */
export const isSilenceId = (id: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
