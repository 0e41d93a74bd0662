// blackbox_exporter on the hub (Debian: prometheus-blackbox-exporter 0.23): one module per spec
// `uptime` check, so each check keeps its own status codes. Prometheus probes through it as job
// "uptime" (prometheus.ts).
import { stringify } from "yaml";
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import type { Spec, UptimeCheck } from "../../schema/spec-schema.ts";
import { BLACKBOX_PORT } from "../service-ports.ts";

export const BLACKBOX_CONFIG = "/etc/prometheus/blackbox.yml";

/** The module of a check, as named in blackbox.yml and in the scrape's `module` parameter. */
export const blackboxModule = (check: UptimeCheck): string => `check-${check.name}`;

/** What the probe targets: the URL, `host:port`, or the host to ping. */
export function probeTarget(check: UptimeCheck): string {
  const target = check.url ?? check.tcp ?? check.icmp;
  if (target === undefined) throw new Error(`uptime check "${check.name}" has none of url, tcp, icmp`);
  return target;
}

/** Scrape timeout of the hub: the scrape interval, at most 10s (Prometheus' default). */
export const scrapeTimeout = (spec: Spec): string => formatDuration(Math.min(10, durationSeconds(spec.intervals.scrape)));

export const needsIcmp = (spec: Spec): boolean => spec.uptime.some((c) => c.icmp !== undefined);

function module(spec: Spec, check: UptimeCheck): Record<string, unknown> {
  // Droplets may have no IPv6 route: try IPv4 first (blackbox prefers IPv6 by default).
  const ip = { preferred_ip_protocol: "ip4", ip_protocol_fallback: true };
  const timeout = scrapeTimeout(spec);
  if (check.url !== undefined) {
    return {
      prober: "http",
      timeout,
      http: {
        ...ip,
        method: "GET",
        // Empty means 2xx, blackbox's default.
        ...(check.expectStatus.length > 0 ? { valid_status_codes: [...check.expectStatus] } : {}),
        // An https check must stay https: a redirect to plain http fails it. Certificates are
        // always verified (insecure_skip_verify stays false).
        ...(check.url.startsWith("https://") ? { fail_if_not_ssl: true } : {}),
      },
    };
  }
  if (check.tcp !== undefined) return { prober: "tcp", timeout, tcp: { ...ip } };
  return { prober: "icmp", timeout, icmp: { ...ip } };
}

export function blackboxConfig(spec: Spec): string {
  const modules = Object.fromEntries(spec.uptime.map((c) => [blackboxModule(c), module(spec, c)]));
  return "# Written by vigil: one module per uptime check of the spec.\n" + stringify({ modules }, { lineWidth: 0, aliasDuplicateObjects: false });
}

export const blackboxArgs = (): string[] => [`--config.file=${BLACKBOX_CONFIG}`, `--web.listen-address=127.0.0.1:${BLACKBOX_PORT}`];

/**
 * ICMP needs a raw socket; Debian's package grants CAP_NET_RAW only when asked through debconf.
 * The capability is given to the unit, and only when the spec has an icmp check.
 */
export function blackboxDropIn(spec: Spec): string {
  return `# Written by vigil.
[Service]
RestartSec=5s
${needsIcmp(spec) ? "# icmp uptime checks send raw ICMP packets.\nAmbientCapabilities=CAP_NET_RAW\n" : "# No icmp uptime check: no extra capability.\n"}`;
}
