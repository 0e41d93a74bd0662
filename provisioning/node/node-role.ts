// Node role: Netdata, node_exporter, fail2ban and CrowdSec from Debian 12's own packages.
//
// One step per service, each placing its config BEFORE installing its packages (see
// debian-service.ts): a service's first start already uses vigil's config, so nothing listens on
// all interfaces even briefly and no postinst reaches for the internet. Each step installs only
// what is missing (a config change never upgrades a package), validates with the tool's own
// checker where one exists, and reloads only its own unit. A piece the spec disables gets a step
// that stops and disables its units (the packages stay). The units that must stay active
// (the spec's `services` and these) are exported by node_exporter: see watched-services.ts.
import type { RoleSteps } from "../plan.ts";
import { netdataSteps } from "./netdata.ts";
import { nodeExporterSteps } from "./node-exporter.ts";
import { nodeExporterCollectorsSteps } from "./node-exporter-collectors.ts";
import { fail2banSteps } from "./fail2ban.ts";
import { crowdsecSteps } from "./crowdsec.ts";
import { netdataStreamChild } from "./netdata.ts";
import { netdataStreamStep } from "./netdata-stream.ts";
import { mtailSteps } from "./mtail.ts";
import { heartbeatSteps } from "./heartbeats.ts";

export const nodeRoleSteps: RoleSteps = (spec, host, ctx) => [
  ...netdataSteps(spec, host, ctx),
  // Streaming to the hubs (a node that is also a hub gets the parent's step from the hub role).
  ...(netdataStreamChild(spec, host) ? [netdataStreamStep(spec, host, ctx)] : []),
  ...nodeExporterSteps(spec, host, ctx),
  ...nodeExporterCollectorsSteps(spec),
  // vigil-heartbeat for the spec's cron jobs and backups on this host (after node_exporter, whose textfile directory it uses).
  ...heartbeatSteps(spec, host),
  ...fail2banSteps(spec),
  ...crowdsecSteps(spec, host, ctx),
  ...mtailSteps(spec, host, ctx),
];
