// The systemd units of the stack, one constant each: Debian 12's unit names for the packaged
// services, and vigil's own agent. Role modules start and reload them, watched-services.ts lists
// the ones that must stay active (for node_exporter, the hub's alerts and `vigil local status`).

export const NETDATA_UNIT = "netdata.service";
export const NODE_EXPORTER_UNIT = "prometheus-node-exporter.service";
export const FAIL2BAN_UNIT = "fail2ban.service";
export const CROWDSEC_UNIT = "crowdsec.service";
export const CROWDSEC_BOUNCER_UNIT = "crowdsec-firewall-bouncer.service";
/** The vigil health agent: one resident service (provisioning/node/agent.ts). */
export const AGENT_UNIT = "vigil-agent.service";
export const PROMETHEUS_UNIT = "prometheus.service";
export const ALERTMANAGER_UNIT = "prometheus-alertmanager.service";
export const BLACKBOX_UNIT = "prometheus-blackbox-exporter.service";
/** prometheus-node-exporter-collectors' apt textfile collector (provisioning/node/node-exporter-collectors.ts). */
export const APT_METRICS_TIMER = "prometheus-node-exporter-apt.timer";
/** mtail: log-derived metrics (provisioning/node/mtail.ts). */
export const MTAIL_UNIT = "mtail.service";
/** The follower that feeds one journal log source (`hosts[].logs[].journal`) into mtail. */
export const journalFollowerUnit = (logName: string): string => `vigil-journal-${logName}.service`;
