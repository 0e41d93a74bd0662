// Where the hub's services read their secrets: one 0600 file per spec secret, owned by the user
// Debian runs the Prometheus family as (Alertmanager's receivers and Prometheus' remote_write
// both read `*_file` fields pointing here).

export const SECRETS_DIR = "/etc/prometheus/vigil-secrets";
/** The user Debian's units run the Prometheus family as. */
export const PROMETHEUS_USER = "prometheus";

export const secretPath = (name: string): string => `${SECRETS_DIR}/${name}`;
