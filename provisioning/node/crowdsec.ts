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
//
// Secrets: the Local API password and the bouncer's API key are generated on the host by the
// packages' maintainer scripts (0600, root) and never leave it; the plan holds none.
import { stringify } from "yaml";
import type { Spec } from "../../schema/spec-schema.ts";
import type { PlanFile, PlanStep } from "../plan.ts";
import { debianServiceStep, serviceOffStep } from "../debian-service.ts";
import { shq } from "../shell-quote.ts";
import { hostPort } from "../addresses.ts";
import { CROWDSEC_LAPI_PORT, CROWDSEC_METRICS_PORT } from "../service-ports.ts";
import { CROWDSEC_BOUNCER_UNIT, CROWDSEC_UNIT } from "../service-units.ts";

export const CROWDSEC_CONFIG = "/etc/crowdsec/config.yaml";
export const CROWDSEC_ACQUIS = "/etc/crowdsec/acquis.yaml";
export const CROWDSEC_CAPI_CREDENTIALS = "/etc/crowdsec/online_api_credentials.yaml";
/** Where Debian's hub lives (symlinks into the offline hub /usr/share/crowdsec/hub). */
export const CROWDSEC_HUB = "/var/lib/crowdsec/hub";

/** The content of online_api_credentials.yaml that keeps CrowdSec off the Central API. */
export const CAPI_DISABLED = "# Written by vigil: no Central API credentials (stack.crowdsec.centralApi is false or not yet registered).\n";

/**
 * /etc/crowdsec/config.yaml: Debian's file, with `api.server.online_client` only when the
 * Central API is on. Every listener is on loopback: the Local API and the metrics endpoint.
 */
export function crowdsecConfig(spec: Spec): Record<string, unknown> {
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
    crowdsec_service: {
      acquisition_path: CROWDSEC_ACQUIS,
      acquisition_dir: "/etc/crowdsec/acquis.d",
      parser_routines: 1,
    },
    cscli: { output: "human", color: "auto" },
    db_config: {
      log_level: "info",
      type: "sqlite",
      db_path: "/var/lib/crowdsec/data/crowdsec.db",
      flush: { max_items: 5000, max_age: "7d" },
    },
    plugin_config: { user: "nobody", group: "nogroup" },
    api: {
      client: { insecure_skip_verify: false, credentials_path: "/etc/crowdsec/local_api_credentials.yaml" },
      server: {
        log_level: "info",
        listen_uri: hostPort("127.0.0.1", CROWDSEC_LAPI_PORT),
        profiles_path: "/etc/crowdsec/profiles.yaml",
        console_path: "/etc/crowdsec/console.yaml",
        ...(spec.stack.crowdsec.centralApi ? { online_client: { credentials_path: CROWDSEC_CAPI_CREDENTIALS } } : {}),
        trusted_ips: ["127.0.0.1", "::1"],
      },
    },
    prometheus: { enabled: true, level: "full", listen_addr: "127.0.0.1", listen_port: CROWDSEC_METRICS_PORT },
  };
}

export function crowdsecConfigYaml(spec: Spec): string {
  return `# Written by vigil; changes here are overwritten on the next apply (use config.yaml.local).\n${stringify(crowdsecConfig(spec))}`;
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
 * missing links are made; an item absent from the hub is an error naming it. Needs no network.
 */
export const ENABLE_HUB_ITEM_FUNCTION = `enable_hub_item() { # TYPE VENDOR/NAME; uses $hub, $etc and the array enabled_items
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

/** The file name a collection's link has under /etc/crowdsec/collections (vendor dropped). */
const collectionLink = (collection: string) => `/etc/crowdsec/collections/${collection.slice(collection.indexOf("/") + 1)}`;

export function crowdsecStep(spec: Spec): PlanStep {
  const c = spec.stack.crowdsec;
  const files: PlanFile[] = [
    { path: CROWDSEC_CONFIG, mode: "0644", owner: "root:root", content: crowdsecConfigYaml(spec) },
    { path: CROWDSEC_ACQUIS, mode: "0644", owner: "root:root", content: crowdsecAcquisYaml(spec) },
    // Central API off: the comment replaces any credentials, so CrowdSec stays off it.
    ...(c.centralApi ? [] : [{ path: CROWDSEC_CAPI_CREDENTIALS, mode: "0600", owner: "root:root", content: CAPI_DISABLED }]),
  ];
  const collections = c.collections.map(shq).join(" ");
  const test = `crowdsec -c ${CROWDSEC_CONFIG} -t`;
  return debianServiceStep({
    id: "crowdsec",
    description: `CrowdSec on the ssh journal with ${c.collections.join(", ") || "no collections"}; Central API ${c.centralApi ? "on" : "off"}`,
    packages: ["crowdsec"],
    units: [CROWDSEC_UNIT],
    files,
    validate: `if command -v crowdsec >/dev/null; then
  ${test} || return 1
fi`,
    // Central API on: a comment in the credentials file keeps the postinst from registering
    // (offline it would fail and leave the package half-configured); vigil registers below.
    beforeInstall: c.centralApi
      ? `if [ ! -s ${CROWDSEC_CAPI_CREDENTIALS} ]; then
  install -D -m 0600 /dev/null ${CROWDSEC_CAPI_CREDENTIALS}
  printf '%s' ${shq(CAPI_DISABLED)} > ${CROWDSEC_CAPI_CREDENTIALS}
fi`
      : undefined,
    afterInstall: [
      `hub=${CROWDSEC_HUB} etc=/etc/crowdsec`,
      "declare -A enabled_items=()",
      ENABLE_HUB_ITEM_FUNCTION,
      `for collection in ${collections}; do`,
      `  enable_hub_item collections "$collection" || exit 1`,
      "done",
      ...(c.centralApi
        ? [
            `if ! grep -q '^login:' ${CROWDSEC_CAPI_CREDENTIALS}; then`,
            `  timeout 30 cscli --error capi register || echo "vigil-step: warning: Central API registration failed (no internet?); CrowdSec runs without it until 'cscli capi register' succeeds" >&2`,
            "fi",
          ]
        : []),
      // The collections are in place now: test the whole configuration once more.
      `${test} || { echo "vigil-step: crowdsec -t failed with the enabled collections" >&2; exit 1; }`,
    ].join("\n"),
    probe: c.collections
      .map((col) => `{ [ -e ${shq(collectionLink(col) + ".yaml")} ] || [ -e ${shq(collectionLink(col) + ".yml")} ]; } || exit 1`)
      .join("\n"),
    // SIGHUP (ExecReload) re-reads config, acquisition and hub items.
    reload: `systemctl reload-or-restart ${CROWDSEC_UNIT}`,
  });
}

/** The nftables bouncer: it registers itself with the Local API in its postinst (its key stays on the host). */
export function crowdsecBouncerStep(): PlanStep {
  return debianServiceStep({
    id: "crowdsec-firewall-bouncer",
    description: "CrowdSec firewall bouncer (nftables)",
    packages: ["crowdsec-firewall-bouncer"],
    units: [CROWDSEC_BOUNCER_UNIT],
    files: [],
    reload: `systemctl restart ${CROWDSEC_BOUNCER_UNIT}`,
  });
}

/** The bouncer stopped when the spec turns it off: it stops filtering (its nftables rules go with it). */
const bouncerOffStep = (): PlanStep =>
  serviceOffStep("crowdsec-firewall-bouncer-off", "CrowdSec firewall bouncer disabled in the spec: stopped and disabled if present", [CROWDSEC_BOUNCER_UNIT]);

export function crowdsecSteps(spec: Spec): PlanStep[] {
  const c = spec.stack.crowdsec;
  if (!c.enabled) return [serviceOffStep("crowdsec-off", "CrowdSec disabled in the spec: stopped and disabled if present", [CROWDSEC_BOUNCER_UNIT, CROWDSEC_UNIT])];
  return [crowdsecStep(spec), c.firewallBouncer ? crowdsecBouncerStep() : bouncerOffStep()];
}
