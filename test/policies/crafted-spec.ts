// A prod spec that the schema and cross-field checks accept but that breaks every policy a spec
// can break (firewall metrics rules and droplet monitoring are fixed by the program, so those
// policies are exercised with hand-built resources in policies.test.ts).
import type { Edit } from "./fixtures.ts";

export const CRAFTED_PROD_EDITS: Edit[] = [
  [["access", "sshAllowFrom"], ["0.0.0.0/2"]],
  [["hosts", 1], undefined], // the only hub
  [["hosts", 0, "backups"], false],
  [["stack", "fail2ban", "enabled"], false],
  [["stack", "crowdsec", "enabled"], false],
  [["alerts", "routes", 0, "to"], ["ops"]],
  [["alerts", "heartbeat"], undefined],
  [["uptime", 2], { name: "status", url: "https://status.dcg.example.com/" }],
  [["slos", 0, "objective"], 99.999],
  [["thresholds", "cpu", "critical"], 99],
  [["thresholds", "disk", "for"], "2h"],
  [["cloudAlerts"], { emails: [], slack: "none" }],
];

/** Each mandatory prod policy the crafted spec breaks, and what its message must name. */
export const CRAFTED_MANDATORY: Record<string, RegExp> = {
  "ssh-not-open-to-world": /opens tcp port 22 \(SSH\) to 0\.0\.0\.0\/2.*set access\.sshAllowFrom/,
  "node-hosts-scraped-by-hub": /no host has the hub role.*add "hub" to the roles of a host/,
  "node-hosts-intrusion-protected": /neither fail2ban nor CrowdSec: set stack\.fail2ban\.enabled or stack\.crowdsec\.enabled to true/,
  "critical-alerts-page": /critical alerts go to ops \(alerts\.routes\[0\]\), none of which pages: add "oncall"/,
  "http-checks-have-slo": /uptime\[2\] "status" .* has no SLO: add to slos/,
  "slo-objective-and-window": /slos\[0\] "api-availability" objective 99\.999% .*set slos\[0\]\.objective between 90 and 99\.99/,
  "host-thresholds-bounded": /thresholds\.cpu\.critical is 99.*at most 95/,
  "cloud-alerts-reach-someone": /DigitalOcean alerts for .* notify nobody .*set cloudAlerts\.emails/,
};

/** The advisory prod policies it breaks. */
export const CRAFTED_ADVISORY: Record<string, RegExp> = {
  "droplet-backups-enabled": /droplet dcg-prod-app-1 has no backups: set backups: true/,
  "heartbeat-receiver-set": /alerts\.heartbeat is not set/,
};
