// CrowdSec (Debian 12: 1.4.6) reading sshd from the journal, with the spec's collections from the
// package's offline hub, the Central API on or off, and the nftables firewall bouncer.
//
// Traps (FIELD-NOTES, and checked against 1.4.6):
// - The postinst registers to the Central API (CAPI) unless online_api_credentials.yaml exists
//   and is not empty; offline that registration fails and leaves dpkg half-configured. So the
//   file always exists, holding a comment, before the package installs. With centralApi on,
//   vigil runs the same `cscli capi register` afterwards and tolerates failure (offline host).
// - `cscli collections install` wants the network even for items of the offline hub (it asks
//   version.crowdsec.net for the hub branch, then downloads items it does not see as
//   "downloaded" behind Debian's symlinked hub). vigil enables items the way Debian's postinst
//   does: symlinks from /etc/crowdsec into /var/lib/crowdsec/hub.
// - The package's acquis.yaml reads ssh from the journal AND from /var/log/auth.log-style files;
//   vigil's acquis.yaml replaces it, so no event is counted twice.
// - On first install the postinst links "upstream-recommended" items: the linux, apache2 and nginx
//   collections with base-http-scenarios and http-cve (36 scenarios, the nginx, apache2 and http
//   parsers) and the whitelists parser, whatever the host runs. vigil disables every hub item the
//   spec's collections do not include (whitelists stays): the host runs what the spec says, and an
//   agent with only linux and sshd held 2.0 to 2.9 MiB less PSS (BENCHMARKS.md). On upgrades the
//   postinst re-links those items only while all three of its collections are still enabled.
//
// Secrets: on a lone host the Local API password and the bouncer's API key are generated on the
// host by the packages' maintainer scripts (0600, root) and never leave it; the plan holds none.
// In a fleet (provisioning/crowdsec-fleet.ts) both are derived from stack.crowdsec.fleetKey at
// apply time and placed BEFORE the packages install: with local_api_credentials.yaml present the
// crowdsec postinst registers no local machine, and with the bouncer's .yaml.local present its
// postinst registers no local key.
import { stringify } from "yaml";
import type { Host, Spec } from "../../schema/spec-schema.ts";
import { DERIVED_PLACEHOLDER, type PlanContext, type PlanFile, type PlanStep } from "../plan.ts";
import { debianServiceStep, dropInFile, serviceOffStep } from "../debian-service.ts";
import { shq } from "../shell-quote.ts";
import { hostPort, privateAddressOf } from "../addresses.ts";
import { credentialFile, crowdsecFleet, crowdsecLapiHost, crowdsecLapiUrl, registrationFiles, registrationScript } from "../crowdsec-fleet.ts";
import { CROWDSEC_LAPI_PORT, CROWDSEC_METRICS_PORT } from "../service-ports.ts";
import { CROWDSEC_BOUNCER_UNIT, CROWDSEC_UNIT } from "../service-units.ts";

export const CROWDSEC_CONFIG = "/etc/crowdsec/config.yaml";
export const CROWDSEC_ACQUIS = "/etc/crowdsec/acquis.yaml";
export const CROWDSEC_CAPI_CREDENTIALS = "/etc/crowdsec/online_api_credentials.yaml";
export const CROWDSEC_LAPI_CREDENTIALS = "/etc/crowdsec/local_api_credentials.yaml";
export const BOUNCER_CONFIG = "/etc/crowdsec/bouncers/crowdsec-firewall-bouncer.yaml";
/** Debian's override of the bouncer's config (README.Debian): merged over the packaged file. */
export const BOUNCER_OVERRIDE = `${BOUNCER_CONFIG}.local`;
/** Where Debian's hub lives (symlinks into the offline hub /usr/share/crowdsec/hub). */
export const CROWDSEC_HUB = "/var/lib/crowdsec/hub";

/** The content of online_api_credentials.yaml that keeps CrowdSec off the Central API. */
export const CAPI_DISABLED = "# Written by vigil: no Central API credentials (stack.crowdsec.centralApi is false or not yet registered).\n";

/**
 * What CrowdSec runs on a host. `agent`: reads the host's logs and sends alerts to a Local API.
 * `lapi`: the address:port the Local API listens on, or undefined for no Local API (a fleet
 * node; CrowdSec 1.4.6 turns its API server off when `api.server` is absent).
 */
export interface CrowdsecRole {
  agent: boolean;
  lapi: string | undefined;
}

/** A lone host: agent and Local API together, the API on loopback (Debian's layout). */
export const LONE_HOST: CrowdsecRole = { agent: true, lapi: hostPort("127.0.0.1", CROWDSEC_LAPI_PORT) };

/**
 * The host's part: outside a fleet every node runs both; in a fleet every node runs the agent,
 * and the first hub runs the Local API on its private address (CrowdSec 1.4.6 binds one address).
 */
export function crowdsecRole(spec: Spec, host: Host, ctx: PlanContext): CrowdsecRole {
  if (!crowdsecFleet(spec)) return LONE_HOST;
  const lapi = crowdsecLapiHost(spec)?.name === host.name ? hostPort(privateAddressOf(host, ctx), CROWDSEC_LAPI_PORT) : undefined;
  return { agent: host.roles.includes("node"), lapi };
}

/**
 * /etc/crowdsec/config.yaml: Debian's file, with `api.server.online_client` only when the
 * Central API is on. Listeners: the metrics endpoint on loopback; the Local API on loopback for
 * a lone host, on the first hub's private address in a fleet, and nowhere on a fleet node. A host
 * without the agent (a hub-only Local API) has no crowdsec_service section.
 */
export function crowdsecConfig(spec: Spec, role: CrowdsecRole = LONE_HOST): Record<string, unknown> {
  return {
    common: {
      daemonize: true,
      log_media: "file",
      log_level: "info",
      log_dir: "/var/log/",
      log_max_size: 20,
      compress_logs: true,
      log_max_files: 10,
      working_dir: ".",
    },
    config_paths: {
      config_dir: "/etc/crowdsec/",
      data_dir: "/var/lib/crowdsec/data/",
      simulation_path: "/etc/crowdsec/simulation.yaml",
      hub_dir: `${CROWDSEC_HUB}/`,
      index_path: `${CROWDSEC_HUB}/.index.json`,
      notification_dir: "/etc/crowdsec/notifications/",
      plugin_dir: "/usr/lib/crowdsec/plugins/",
    },
    ...(role.agent
      ? {
          crowdsec_service: {
            acquisition_path: CROWDSEC_ACQUIS,
            acquisition_dir: "/etc/crowdsec/acquis.d",
            parser_routines: 1,
          },
        }
      : {}),
    cscli: { output: "human", color: "auto" },
    db_config: {
      log_level: "info",
      type: "sqlite",
      db_path: "/var/lib/crowdsec/data/crowdsec.db",
      flush: { max_items: 5000, max_age: "7d" },
    },
    plugin_config: { user: "nobody", group: "nogroup" },
    api: {
      client: { insecure_skip_verify: false, credentials_path: CROWDSEC_LAPI_CREDENTIALS },
      ...(role.lapi !== undefined
        ? {
            server: {
              log_level: "info",
              listen_uri: role.lapi,
              profiles_path: "/etc/crowdsec/profiles.yaml",
              console_path: "/etc/crowdsec/console.yaml",
              ...(spec.stack.crowdsec.centralApi ? { online_client: { credentials_path: CROWDSEC_CAPI_CREDENTIALS } } : {}),
              trusted_ips: ["127.0.0.1", "::1"],
            },
          }
        : {}),
    },
    prometheus: { enabled: true, level: "full", listen_addr: "127.0.0.1", listen_port: CROWDSEC_METRICS_PORT },
  };
}

export function crowdsecConfigYaml(spec: Spec, role: CrowdsecRole = LONE_HOST): string {
  return `# Written by vigil; changes here are overwritten on the next apply (use config.yaml.local).\n${stringify(crowdsecConfig(spec, role))}`;
}

/** Log files read for collections whose logs are not in the journal (Debian's own paths). */
const FILE_ACQUISITION: Record<string, { filenames: string[]; type: string }> = {
  "crowdsecurity/nginx": { filenames: ["/var/log/nginx/*.log"], type: "nginx" },
  "crowdsecurity/apache2": { filenames: ["/var/log/apache2/*.log"], type: "apache2" },
};

/** acquis.yaml: sshd from the journal (Debian's unit is ssh.service), plus log files of web collections. */
export function crowdsecAcquisYaml(spec: Spec): string {
  const sources: Record<string, unknown>[] = [
    { source: "journalctl", journalctl_filter: ["_SYSTEMD_UNIT=ssh.service"], labels: { type: "syslog" } },
    ...spec.stack.crowdsec.collections.flatMap((c) => {
      const f = FILE_ACQUISITION[c];
      return f ? [{ filenames: f.filenames, labels: { type: f.type } }] : [];
    }),
  ];
  return `# Written by vigil; changes here are overwritten on the next apply (add files in acquis.d/).\n${sources.map((s) => stringify(s)).join("---\n")}`;
}

/**
 * Bash that enables hub items the way Debian's postinst does: a symlink per item under
 * $etc (/etc/crowdsec; vendor dropped from the path) pointing into $hub, recursing into a collection's members. Only
 * missing links are made; every link it stands for is noted in kept_links. An item absent from the
 * hub is an error naming it. Needs no network.
 */
export const ENABLE_HUB_ITEM_FUNCTION = `enable_hub_item() { # TYPE VENDOR/NAME; uses $hub, $etc and the arrays enabled_items, kept_links
  local type=$1 item=$2 src="" candidate dest stage members member_type member
  [ -z "\${enabled_items[$type/$item]:-}" ] || return 0
  enabled_items[$type/$item]=1
  for candidate in "$hub/$type/$item".yaml "$hub/$type/$item".yml "$hub/$type"/*/"$item".yaml "$hub/$type"/*/"$item".yml; do
    if [ -f "$candidate" ]; then src=$candidate; break; fi
  done
  if [ -z "$src" ]; then
    echo "vigil-step: CrowdSec $type $item is not in the hub at $hub" >&2
    return 1
  fi
  case "$type" in
    parsers|postoverflows) stage=$(basename "$(dirname "$(dirname "$src")")"); dest=$etc/$type/$stage/$(basename "$src") ;;
    *) dest=$etc/$type/$(basename "$src") ;;
  esac
  kept_links[$dest]=1
  if [ ! -e "$dest" ] && [ ! -L "$dest" ]; then
    mkdir -p "$(dirname "$dest")" || return 1
    ln -s "$src" "$dest" || return 1
    echo "vigil-step: enabled CrowdSec $type $item"
  fi
  [ "$type" = collections ] || return 0
  members=$(awk '/^[A-Za-z_]+:/ { key = $1; sub(/:.*/, "", key); next }
    /^[ \\t]+-[ \\t]/ && key ~ /^(parsers|scenarios|postoverflows|collections)$/ {
      v = $0; sub(/^[ \\t]+-[ \\t]+/, "", v); gsub(/[" \\t\\r]/, "", v); print key, v }' "$src") || return 1
  while read -r member_type member; do
    if [ -n "$member_type" ]; then enable_hub_item "$member_type" "$member" || return 1; fi
  done <<<"$members"
}`;

/** Bash listing the hub items enabled on the host: links under $etc that point into $hub, sorted. */
export const HUB_LINKS_FUNCTION = `hub_links() { # uses $hub and $etc
  local d dirs=()
  for d in "$etc/collections" "$etc/parsers" "$etc/scenarios" "$etc/postoverflows"; do
    if [ -d "$d" ]; then dirs+=("$d"); fi
  done
  [ \${#dirs[@]} -eq 0 ] || find "\${dirs[@]}" -type l -lname "$hub/*" | LC_ALL=C sort
}`;

/**
 * The parser enabled beside the spec's collections, as Debian's postinst does: events from
 * loopback and the private ranges (the VPC among them) are never acted on.
 */
export const CROWDSEC_WHITELISTS_PARSER = "crowdsecurity/whitelists";

/** Where the step notes the hub items it left enabled; its probe compares the host's links to it. */
export const CROWDSEC_HUB_ITEMS_RECORD = "/var/lib/crowdsec/vigil-hub-items";

/**
 * Bash that makes the enabled hub items exactly the spec's collections with everything they
 * include, and the whitelists parser: missing links made, every other link into the hub removed
 * (the admin's own files, and links elsewhere, stay). Notes the result for the probe.
 */
export function hubItemsScript(collections: readonly string[], etc = "/etc/crowdsec", record = CROWDSEC_HUB_ITEMS_RECORD): string {
  return [
    `hub=${CROWDSEC_HUB} etc=${shq(etc)}`,
    "declare -A enabled_items=() kept_links=()",
    ENABLE_HUB_ITEM_FUNCTION,
    HUB_LINKS_FUNCTION,
    `for collection in ${collections.map(shq).join(" ")}; do`,
    `  enable_hub_item collections "$collection" || exit 1`,
    "done",
    `enable_hub_item parsers ${shq(CROWDSEC_WHITELISTS_PARSER)} || exit 1`,
    "while IFS= read -r link; do",
    `  [ -z "\${kept_links[$link]:-}" ] || continue`,
    `  rm -f "$link" || exit 1`,
    `  echo "vigil-step: disabled CrowdSec \${link#"$etc"/} (not in stack.crowdsec.collections)"`,
    "done < <(hub_links)",
    `hub_links > ${shq(record)} || exit 1`,
  ].join("\n");
}

/** Probe lines: the host's hub links are the ones the step left (none added or removed since). */
export const hubItemsProbe = (etc = "/etc/crowdsec", record = CROWDSEC_HUB_ITEMS_RECORD): string =>
  [`hub=${CROWDSEC_HUB} etc=${shq(etc)}`, HUB_LINKS_FUNCTION, `[ "$(hub_links)" = "$(cat ${shq(record)} 2>/dev/null)" ] || exit 1`].join("\n");

/** The file name a collection's link has under /etc/crowdsec/collections (vendor dropped). */
const collectionLink = (collection: string) => `/etc/crowdsec/collections/${collection.slice(collection.indexOf("/") + 1)}`;

/**
 * systemd drop-in for a fleet's CrowdSec units: the agent exits when it cannot log in to the
 * Local API (1.4.6: "authenticate watcher", fatal, status 1), the bouncer too (0.0.25: "stream api
 * init failed", removing its nftables tables, with status 0: hence Restart=always, seen in the
 * fleet e2e), and Debian's units do not restart, so without this a node applied before its hub, or
 * a node whose hub rebooted, would stay unprotected. Every 30 s, without a start limit, until the
 * Local API answers. `systemctl stop` still stops them.
 */
export const FLEET_RESTART_DROP_IN = `# Written by vigil: keep retrying while the fleet's Local API (first hub) is unreachable.
[Unit]
StartLimitIntervalSec=0

[Service]
Restart=always
RestartSec=30s
`;

/**
 * The drop-in of a fleet host's crowdsec unit: the restarts above, and Go's collector at GOGC=25
 * (the heap may grow a quarter over the live data between collections, not Go's default of all
 * of it). An idle fleet agent holds about 8 MB of live heap (its parsers and scenarios); with
 * GOGC=25 its PSS was 1 to 5 MiB lower on the fleet e2e's nodes (BENCHMARKS.md). The extra
 * collections cost CPU only while it parses log lines. No GOMEMLIMIT: a soft limit near the live
 * heap makes Go collect back to back while an attack's burst of lines is parsed.
 */
export const CROWDSEC_FLEET_DROP_IN = `${FLEET_RESTART_DROP_IN}# Collect when the heap has grown a quarter (Go's default: double): a smaller idle footprint.
Environment=GOGC=25
`;

/** Probe lines: the unit enabled, and running or waiting to restart (ActiveState activating). */
const enabledAndRunningOrRetrying = (unit: string): string[] => [
  `systemctl is-enabled --quiet ${unit} || exit 1`,
  `case "$(systemctl show -p ActiveState --value ${unit})" in active|activating) ;; *) exit 1 ;; esac`,
];

/** The agent's credentials for the fleet's Local API: URL, its host name as login, its derived password. */
export const agentCredentialsTemplate = (url: string, login: string): string =>
  `# Written by vigil: this host's CrowdSec machine on the fleet's Local API (password derived from stack.crowdsec.fleetKey).
url: ${url}
login: ${login}
password: ${DERIVED_PLACEHOLDER}
`;

/** The bouncer's override in a fleet: the Local API's URL and this host's derived API key. */
export const bouncerOverrideTemplate = (url: string): string =>
  `# Written by vigil: pull decisions from the fleet's Local API (key derived from stack.crowdsec.fleetKey).
mode: nftables
api_url: ${url}
api_key: ${DERIVED_PLACEHOLDER}
`;

export function crowdsecStep(spec: Spec, host?: Host, ctx?: PlanContext): PlanStep {
  const c = spec.stack.crowdsec;
  const fleet = host !== undefined && ctx !== undefined && crowdsecFleet(spec);
  const role = fleet ? crowdsecRole(spec, host, ctx) : LONE_HOST;
  // Only a Local API talks to the Central API; a fleet node never does.
  const centralApi = c.centralApi && role.lapi !== undefined;
  // A fleet node's agent depends on the first hub's Local API, which may come up later.
  const remoteAgent = fleet && role.lapi === undefined;
  const files: PlanFile[] = [
    { path: CROWDSEC_CONFIG, mode: "0644", owner: "root:root", content: crowdsecConfigYaml(spec, role) },
    ...(role.agent ? [{ path: CROWDSEC_ACQUIS, mode: "0644", owner: "root:root", content: crowdsecAcquisYaml(spec) }] : []),
    // Central API off: the comment replaces any credentials, so CrowdSec stays off it.
    ...(centralApi ? [] : [{ path: CROWDSEC_CAPI_CREDENTIALS, mode: "0600", owner: "root:root", content: CAPI_DISABLED }]),
    ...(fleet && role.agent
      ? [credentialFile(spec, CROWDSEC_LAPI_CREDENTIALS, "machine", host.name, agentCredentialsTemplate(crowdsecLapiUrl(spec, ctx), host.name))]
      : []),
    ...(fleet && role.lapi !== undefined ? registrationFiles(spec) : []),
    ...(fleet ? [dropInFile(CROWDSEC_UNIT, CROWDSEC_FLEET_DROP_IN)] : []),
  ];
  const test = `crowdsec -c ${CROWDSEC_CONFIG} -t`;
  const what = !fleet
    ? `CrowdSec on the ssh journal with ${c.collections.join(", ") || "no collections"}; Central API ${c.centralApi ? "on" : "off"}`
    : role.lapi !== undefined
      ? `CrowdSec Local API of the fleet on ${role.lapi}${role.agent ? ` and agent with ${c.collections.join(", ") || "no collections"}` : ""}; Central API ${centralApi ? "on" : "off"}`
      : `CrowdSec agent with ${c.collections.join(", ") || "no collections"}, registered to the fleet's Local API on ${crowdsecLapiHost(spec)!.name}`;
  const unit = shq(CROWDSEC_UNIT);
  return debianServiceStep({
    id: "crowdsec",
    description: what,
    packages: ["crowdsec"],
    units: remoteAgent ? [] : [CROWDSEC_UNIT],
    enable: !remoteAgent,
    files,
    validate: `if command -v crowdsec >/dev/null; then
  ${test} || return 1
fi`,
    // Central API on: a comment in the credentials file keeps the postinst from registering
    // (offline it would fail and leave the package half-configured); vigil registers below.
    beforeInstall: [
      ...(fleet ? ["systemctl daemon-reload"] : []),
      ...(centralApi
        ? [
            `if [ ! -s ${CROWDSEC_CAPI_CREDENTIALS} ]; then
  install -D -m 0600 /dev/null ${CROWDSEC_CAPI_CREDENTIALS}
  printf '%s' ${shq(CAPI_DISABLED)} > ${CROWDSEC_CAPI_CREDENTIALS}
fi`,
          ]
        : []),
    ].join("\n") || undefined,
    afterInstall: [
      ...(role.agent ? [hubItemsScript(c.collections)] : []),
      ...(centralApi
        ? [
            `if ! grep -q '^login:' ${CROWDSEC_CAPI_CREDENTIALS}; then`,
            `  timeout 30 cscli --error capi register || echo "vigil-step: warning: Central API registration failed (no internet?); CrowdSec runs without it until 'cscli capi register' succeeds" >&2`,
            "fi",
          ]
        : []),
      // The fleet's machines and bouncers, with their derived credentials (the LAPI's database).
      ...(fleet && role.lapi !== undefined ? [registrationScript(spec)] : []),
      // The collections are in place now: test the whole configuration once more.
      `${test} || { echo "vigil-step: crowdsec -t failed with the enabled collections" >&2; exit 1; }`,
      ...(remoteAgent ? [`systemctl enable --quiet ${unit}`] : []),
    ].join("\n"),
    probe: [
      ...(role.agent
        ? [
            ...c.collections.map((col) => `{ [ -e ${shq(collectionLink(col) + ".yaml")} ] || [ -e ${shq(collectionLink(col) + ".yml")} ]; } || exit 1`),
            hubItemsProbe(),
          ]
        : []),
      // Enabled, and running or waiting to retry the Local API (not given up).
      ...(remoteAgent ? enabledAndRunningOrRetrying(unit) : []),
    ].join("\n"),
    // SIGHUP (ExecReload) re-reads config, acquisition and hub items. In a fleet the unit is
    // restarted (new credentials or a new Local API URL), without waiting for a Local API that
    // may not answer yet.
    reload: fleet ? `systemctl restart${remoteAgent ? " --no-block" : ""} ${unit}` : `systemctl reload-or-restart ${CROWDSEC_UNIT}`,
  });
}

/**
 * The nftables bouncer. On a lone host it registers itself with the local Local API in its
 * postinst (its key stays on the host); in a fleet its override (placed before the package
 * installs, so the postinst registers nothing) points it at the first hub with a derived key.
 */
export function crowdsecBouncerStep(spec?: Spec, host?: Host, ctx?: PlanContext): PlanStep {
  const fleet = spec !== undefined && host !== undefined && ctx !== undefined && crowdsecFleet(spec);
  const unit = shq(CROWDSEC_BOUNCER_UNIT);
  if (!fleet) {
    return debianServiceStep({
      id: "crowdsec-firewall-bouncer",
      description: "CrowdSec firewall bouncer (nftables)",
      packages: ["crowdsec-firewall-bouncer"],
      units: [CROWDSEC_BOUNCER_UNIT],
      files: [],
      reload: `systemctl restart ${CROWDSEC_BOUNCER_UNIT}`,
    });
  }
  const url = crowdsecLapiUrl(spec, ctx);
  return debianServiceStep({
    id: "crowdsec-firewall-bouncer",
    description: `CrowdSec firewall bouncer (nftables) pulling the fleet's decisions from ${crowdsecLapiHost(spec)!.name}`,
    // The package depends on "nftables | iptables"; the override says nftables, so install it.
    packages: ["crowdsec-firewall-bouncer", "nftables"],
    units: [],
    enable: false,
    files: [
      credentialFile(spec, BOUNCER_OVERRIDE, "bouncer", host.name, bouncerOverrideTemplate(url)),
      dropInFile(CROWDSEC_BOUNCER_UNIT, FLEET_RESTART_DROP_IN),
    ],
    validate: `if command -v crowdsec-firewall-bouncer >/dev/null; then
  crowdsec-firewall-bouncer -c ${BOUNCER_CONFIG} -t >/dev/null || return 1
fi`,
    beforeInstall: "systemctl daemon-reload",
    afterInstall: `systemctl enable --quiet ${unit}`,
    probe: enabledAndRunningOrRetrying(unit).join("\n"),
    // The Local API may not answer yet: the drop-in's restarts take over from here.
    reload: `systemctl restart --no-block ${unit}`,
  });
}

/** The bouncer stopped when the spec turns it off: it stops filtering (its nftables rules go with it). */
const bouncerOffStep = (): PlanStep =>
  serviceOffStep("crowdsec-firewall-bouncer-off", "CrowdSec firewall bouncer disabled in the spec: stopped and disabled if present", [CROWDSEC_BOUNCER_UNIT]);

/** The node role's CrowdSec: agent (and, on a lone host or the fleet's first hub, the Local API) and bouncer. */
export function crowdsecSteps(spec: Spec, host?: Host, ctx?: PlanContext): PlanStep[] {
  const c = spec.stack.crowdsec;
  if (!c.enabled) return [serviceOffStep("crowdsec-off", "CrowdSec disabled in the spec: stopped and disabled if present", [CROWDSEC_BOUNCER_UNIT, CROWDSEC_UNIT])];
  return [crowdsecStep(spec, host, ctx), c.firewallBouncer ? crowdsecBouncerStep(spec, host, ctx) : bouncerOffStep()];
}
