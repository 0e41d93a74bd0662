// The systemd units that must stay active on a host: the spec's `services` and the stack's own
// units. They are "registered" by being exported by node_exporter's systemd collector (see
// node/node-exporter.ts), so the hub's HostSystemdUnitFailed alert sees them fail; the hub uses
// `watchedUnitsRegex()` to give them severity critical. `vigil local status` checks the same
// list (`runningUnits`), so the two cannot disagree again.
//
// Deliberately NOT done: a `Restart=on-failure` drop-in on the user's units. A unit that
// silently restarts hides its failures; vigil reports them instead (node_exporter also exports
// node_systemd_service_restart_total, so a restart loop is visible too).
import type { Host, Spec } from "../schema/spec-schema.ts";
import {
  AGENT_UNIT, ALERTMANAGER_UNIT, BLACKBOX_UNIT, CROWDSEC_BOUNCER_UNIT, CROWDSEC_UNIT, FAIL2BAN_UNIT, NETDATA_UNIT, NODE_EXPORTER_UNIT,
  PROMETHEUS_UNIT,
  MTAIL_UNIT,
  journalFollowerUnit,
} from "./service-units.ts";

/** systemd unit types; a name without one of these suffixes is a service. */
const UNIT_TYPES = ["service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer", "slice", "scope"];

/** `nginx` → `nginx.service`; `backup.timer` stays as it is. */
export function unitName(name: string): string {
  const suffix = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : "";
  return UNIT_TYPES.includes(suffix) ? name : `${name}.service`;
}

/**
 * The agent's units as node_exporter watches them. The agent is one resident service
 * (AGENT_UNIT, node/agent.ts); the three other names date from before it existed, when the
 * node role assumed oneshot services on timers. They are kept in the watch list because the list is part of every node's rendered
 * node_exporter flags and hub rules (golden renders); a unit that does not exist is simply
 * never exported, so they cost nothing and never alert.
 */
export const AGENT_UNITS = [AGENT_UNIT, "vigil-agent.timer", "vigil-agent-integrity.service", "vigil-agent-integrity.timer"];

/** The resident services vigil installs on a node host, for the pieces the spec enables (agent aside). */
function nodeServices(spec: Spec): string[] {
  const s = spec.stack;
  return [
    ...(s.netdata.enabled ? [NETDATA_UNIT] : []),
    ...(s.nodeExporter.enabled ? [NODE_EXPORTER_UNIT] : []),
    ...(s.fail2ban.enabled ? [FAIL2BAN_UNIT] : []),
    ...(s.crowdsec.enabled ? [CROWDSEC_UNIT] : []),
    ...(s.crowdsec.enabled && s.crowdsec.firewallBouncer ? [CROWDSEC_BOUNCER_UNIT] : []),
  ];
}

/** mtail and the journal followers of a node with log sources (node/mtail.ts). */
const logUnits = (host: Host): string[] =>
  host.roles.includes("node") && host.logs.length > 0 ? [MTAIL_UNIT, ...host.logs.filter((l) => l.journal).map((l) => journalFollowerUnit(l.name))] : [];

/** The hub's services. */
export const HUB_UNITS = [PROMETHEUS_UNIT, ALERTMANAGER_UNIT, BLACKBOX_UNIT];

/** The units vigil itself installs on this host, for the roles it holds and the pieces enabled. */
export function stackUnits(spec: Spec, host: Host): string[] {
  return [
    ...(host.roles.includes("node") ? [...nodeServices(spec), ...AGENT_UNITS] : []),
    ...logUnits(host),
    ...(host.roles.includes("hub") ? HUB_UNITS : []),
  ];
}

/**
 * The units that must be active on the host right now: the spec's `services` and the stack's
 * resident services (the agent only where the host has an `agent` block). Sorted, unique.
 */
export function runningUnits(spec: Spec, host: Host): string[] {
  const node = host.roles.includes("node");
  return [
    ...new Set([
      ...host.services.map(unitName),
      ...(node ? nodeServices(spec) : []),
      ...(node && host.agent ? [AGENT_UNIT] : []),
      ...logUnits(host),
      ...(host.roles.includes("hub") ? HUB_UNITS : []),
      // A hub's Netdata is the fleet dashboard when the nodes stream to it (node/netdata-stream.ts).
      ...(host.roles.includes("hub") && spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey ? [NETDATA_UNIT] : []),
    ]),
  ].sort();
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
