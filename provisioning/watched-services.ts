// The systemd units that must stay active on a host: the spec's `services` and the stack's own
// units. They are "registered" by being exported by node_exporter's systemd collector (see
// node/node-exporter.ts), so the hub's HostSystemdUnitFailed alert sees them fail; the hub uses
// `watchedUnitsRegex()` to give them severity critical.
//
// Deliberately NOT done: a `Restart=on-failure` drop-in on the user's units. A unit that
// silently restarts hides its failures; vigil reports them instead (node_exporter also exports
// node_systemd_service_restart_total, so a restart loop is visible too).
import type { Host, Spec } from "../schema/spec-schema.ts";

/** systemd unit types; a name without one of these suffixes is a service. */
const UNIT_TYPES = ["service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "slice", "scope"];

/** `nginx` → `nginx.service`; `backup.timer` stays as it is. */
export function unitName(name: string): string {
  const suffix = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : "";
  return UNIT_TYPES.includes(suffix) ? name : `${name}.service`;
}

/**
 * Units the vigil agent runs as (agent/src/main.ts: oneshot services on timers). Listed here so
 * the hub treats them as the stack's own; a unit that does not exist is simply never exported.
 */
export const AGENT_UNITS = ["vigil-agent.service", "vigil-agent.timer", "vigil-agent-integrity.service", "vigil-agent-integrity.timer"];

/** The units vigil itself installs on this host, for the roles it holds and the pieces enabled. */
export function stackUnits(spec: Spec, host: Host): string[] {
  const units: string[] = [];
  if (host.roles.includes("node")) {
    const s = spec.stack;
    if (s.netdata.enabled) units.push("netdata.service");
    if (s.nodeExporter.enabled) units.push("prometheus-node-exporter.service");
    if (s.fail2ban.enabled) units.push("fail2ban.service");
    if (s.crowdsec.enabled) units.push("crowdsec.service");
    if (s.crowdsec.enabled && s.crowdsec.firewallBouncer) units.push("crowdsec-firewall-bouncer.service");
    units.push(...AGENT_UNITS);
  }
  if (host.roles.includes("hub")) {
    units.push("prometheus.service", "prometheus-alertmanager.service", "prometheus-blackbox-exporter.service");
  }
  return units;
}

/** Every unit that must stay active on the host: the spec's `services` first, then the stack's. Sorted, unique. */
export function watchedUnits(spec: Spec, host: Host): string[] {
  return [...new Set([...host.services.map(unitName), ...stackUnits(spec, host)])].sort();
}

/**
 * A regular expression matching exactly one unit name (RE2 and JavaScript agree on it). Unit
 * names hold only `[A-Za-z0-9@:._-]` (the schema's pattern), of which only `.` is special; it is
 * written `[.]` rather than `\.` so the expression survives shell and systemd EnvironmentFile
 * quoting unchanged.
 */
export function unitRegex(unit: string): string {
  if (!/^[A-Za-z0-9@:._-]+$/.test(unit)) throw new Error(`"${unit}" is not a systemd unit name`);
  return unit.replace(/\./g, "[.]");
}

/** Alternation of the watched units, for PromQL `name=~"..."` (anchored by Prometheus). */
export function watchedUnitsRegex(spec: Spec, host: Host): string {
  return watchedUnits(spec, host).map(unitRegex).join("|");
}

/**
 * node_exporter's `--collector.systemd.unit-include` (anchored by node_exporter): the watched
 * units by name (they may be timers or sockets), and every other service so that any failed
 * service raises HostSystemdUnitFailed at severity warning, as SPEC.md says.
 */
export function systemdUnitInclude(spec: Spec, host: Host): string {
  return [watchedUnitsRegex(spec, host), ".+[.]service"].filter((s) => s !== "").join("|");
}
