// CrowdSec as one fleet (CrowdSec's multi-server setup, Debian 12's crowdsec 1.4.6 and
// crowdsec-firewall-bouncer 0.0.25): ONE Local API (LAPI) for the whole environment, on the first
// hub, bound to that hub's private address. Every node-role host runs the CrowdSec agent
// registered to it as a machine (no LAPI of its own) and a firewall bouncer that pulls the LAPI's
// decisions, so an address one agent bans is dropped by every host's nftables set.
// Enabled by `stack.crowdsec.fleetKey` when the spec has a hub and a node that is not that hub.
//
// Why the first hub, and only it: a LAPI keeps its alerts and decisions in its own database
// (SQLite here) and two LAPIs share nothing; an agent and a bouncer each talk to exactly one
// URL. Two LAPIs (one per hub) would split the fleet in two halves that never see each other's
// bans, which is what "one fleet" is meant to end. So the pair's second hub is not a second
// LAPI; while the first hub is down no new ban reaches any host (agents and bouncers retry
// every 30 s until it answers, see node/crowdsec.ts), and fail2ban, where on, still bans
// locally. Moving the LAPI is an apply: with the first hub removed from the spec, the next hub
// becomes the LAPI and every host is re-pointed (its database starts empty; the Central API, if on, refills the community list).
//
// Credentials: each machine's password and each bouncer's API key is HMAC-SHA256(fleetKey,
// "crowdsec <kind> <host>"), computed by the applying process (plan.ts derived files). A node
// receives only its own two values; the LAPI host receives all of them, since it registers them
// (`cscli machines add --force`, `cscli bouncers add --key`). Neither plan nor state holds one.
import type { Host, Spec } from "../schema/spec-schema.ts";
import { DERIVED_PLACEHOLDER, type PlanContext, type PlanFile } from "./plan.ts";
import { privateAddressOf } from "./addresses.ts";
import { CROWDSEC_LAPI_PORT } from "./service-ports.ts";

/** The host that runs the fleet's Local API: the first hub in spec order. */
export const crowdsecLapiHost = (spec: Spec): Host | undefined => spec.hosts.find((h) => h.roles.includes("hub"));

/**
 * Whether CrowdSec runs as one fleet: CrowdSec on, a fleetKey, a hub, and at least one node
 * other than that hub. A one-host spec (the embedded default) keeps a LAPI on the host itself.
 */
export function crowdsecFleet(spec: Spec): boolean {
  const c = spec.stack.crowdsec;
  const lapi = crowdsecLapiHost(spec);
  return c.enabled && c.fleetKey !== undefined && lapi !== undefined && spec.hosts.some((h) => h.roles.includes("node") && h.name !== lapi.name);
}

/** The hosts registered to the fleet's LAPI: every node-role host (machine and bouncer names are host names). */
export const crowdsecFleetMachines = (spec: Spec): Host[] => spec.hosts.filter((h) => h.roles.includes("node"));

/** `http://<first hub's private address>:8080/`, the URL every agent and bouncer uses. */
export function crowdsecLapiUrl(spec: Spec, ctx: PlanContext): string {
  const lapi = crowdsecLapiHost(spec);
  if (lapi === undefined) throw new Error("crowdsecLapiUrl without a hub");
  const address = privateAddressOf(lapi, ctx);
  return `http://${address.includes(":") ? `[${address}]` : address}:${CROWDSEC_LAPI_PORT}/`;
}

export type CredentialKind = "machine" | "bouncer";

/** The HMAC label of a host's credential: what makes each derived value different. */
export const credentialLabel = (kind: CredentialKind, host: string): string => `crowdsec ${kind} ${host}`;

/** The fleetKey's secret name; throws when the fleet is off. */
function fleetKeySecret(spec: Spec): string {
  const key = spec.stack.crowdsec.fleetKey;
  if (key === undefined) throw new Error("CrowdSec fleet credentials without stack.crowdsec.fleetKey");
  return key.secret;
}

/**
 * A 0600 root file holding `template` with the host's derived credential in place of
 * DERIVED_PLACEHOLDER. The value is 64 hex digits, safe inside YAML and a shell word.
 */
export function credentialFile(spec: Spec, path: string, kind: CredentialKind, host: string, template: string = DERIVED_PLACEHOLDER): PlanFile {
  if (!template.includes(DERIVED_PLACEHOLDER)) throw new Error(`${path}: a credential template without the placeholder`);
  return { path, mode: "0600", owner: "root:root", secret: fleetKeySecret(spec), derived: { label: credentialLabel(kind, host), template } };
}

/** Where the LAPI host keeps the credentials it registers (one 0600 file per machine and bouncer). */
export const REGISTRATIONS_DIR = "/etc/crowdsec/vigil-fleet";
export const registrationPath = (kind: CredentialKind, host: string): string => `${REGISTRATIONS_DIR}/${kind}-${host}`;

/** The LAPI host's registration files: each node's machine password and bouncer key. */
export function registrationFiles(spec: Spec): PlanFile[] {
  const bouncers = spec.stack.crowdsec.firewallBouncer;
  return crowdsecFleetMachines(spec).flatMap((h) => [
    credentialFile(spec, registrationPath("machine", h.name), "machine", h.name),
    ...(bouncers ? [credentialFile(spec, registrationPath("bouncer", h.name), "bouncer", h.name)] : []),
  ]);
}

/**
 * Bash (for the LAPI host, after crowdsec is installed) that registers every machine and bouncer
 * with its derived credential, and removes the machines and bouncers an earlier apply registered
 * for hosts no longer in the spec (listed in $REGISTRATIONS_DIR/registered). Host names are slugs
 * ([a-z0-9-]), so they are plain words here. cscli 1.4.6 takes a password or key only as an
 * argument: it is visible in this host's process list for the moment cscli runs, on the one host
 * that holds every credential anyway.
 */
export function registrationScript(spec: Spec): string {
  const machines = crowdsecFleetMachines(spec).map((h) => h.name);
  const bouncers = spec.stack.crowdsec.firewallBouncer ? machines : [];
  const list = `${REGISTRATIONS_DIR}/registered`;
  return [
    `wanted=" ${[...machines.map((m) => `machine:${m}`), ...bouncers.map((b) => `bouncer:${b}`)].join(" ")} "`,
    `for old in $(cat ${list} 2>/dev/null); do`,
    `  [[ $wanted == *" $old "* ]] && continue`,
    `  case $old in`,
    `    machine:*) cscli --error machines delete "\${old#machine:}" >/dev/null 2>&1 || true; echo "vigil-step: removed CrowdSec machine \${old#machine:}" ;;`,
    `    bouncer:*) cscli --error bouncers delete "\${old#bouncer:}" >/dev/null 2>&1 || true; echo "vigil-step: removed CrowdSec bouncer \${old#bouncer:}" ;;`,
    "  esac",
    "done",
    ...machines.map((m) => `cscli --error machines add ${m} --force --password "$(cat ${registrationPath("machine", m)})" -f /dev/null >/dev/null || exit 1`),
    // `bouncers add` refuses an existing name: replace it (the key may have changed).
    ...bouncers.map(
      (b) => `cscli --error bouncers delete ${b} >/dev/null 2>&1 || true
cscli --error bouncers add ${b} --key "$(cat ${registrationPath("bouncer", b)})" >/dev/null || exit 1`,
    ),
    `printf '%s\\n' ${[...machines.map((m) => `machine:${m}`), ...bouncers.map((b) => `bouncer:${b}`)].join(" ")} > ${list}`,
  ].join("\n");
}
