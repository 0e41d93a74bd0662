// vigil's policies as a plain array: CrossGuard serves it (index.ts), `vigil check` and the tests
// run it in-process (evaluate.ts). One module per policy, named after the policy.
import { cloudAlertsReachSomeone } from "./cloud-alerts-reach-someone.ts";
import { criticalAlertsPage } from "./critical-alerts-page.ts";
import { dropletBackupsEnabled } from "./droplet-backups-enabled.ts";
import { dropletMonitoringEnabled } from "./droplet-monitoring-enabled.ts";
import { dropletsBehindFirewall } from "./droplets-behind-firewall.ts";
import { heartbeatReceiverSet } from "./heartbeat-receiver-set.ts";
import { hostThresholdsBounded } from "./host-thresholds-bounded.ts";
import { httpChecksHaveSlo } from "./http-checks-have-slo.ts";
import { metricsPortsNotPublic } from "./metrics-ports-not-public.ts";
import { nodeHostsIntrusionProtected } from "./node-hosts-intrusion-protected.ts";
import { nodeHostsScrapedByHub } from "./node-hosts-scraped-by-hub.ts";
import { sloObjectiveAndWindow } from "./slo-objective-and-window.ts";
import { sshNotOpenToWorld } from "./ssh-not-open-to-world.ts";
import type { VigilPolicy } from "./vigil-policy.ts";

export const PACK_NAME = "vigil";

export const vigilPolicies: VigilPolicy[] = [
  sshNotOpenToWorld,
  dropletsBehindFirewall,
  metricsPortsNotPublic,
  dropletMonitoringEnabled,
  dropletBackupsEnabled,
  nodeHostsIntrusionProtected,
  criticalAlertsPage,
  cloudAlertsReachSomeone,
  httpChecksHaveSlo,
  sloObjectiveAndWindow,
  hostThresholdsBounded,
  nodeHostsScrapedByHub,
  heartbeatReceiverSet,
];
