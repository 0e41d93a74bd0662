// Long-term storage on an existing engine: Prometheus `remote_write` to the stores of the spec's
// top-level `remoteWrite` (VictoriaMetrics, Mimir, Thanos Receive, Grafana Cloud...).
//
// Prometheus 2.42 reads the credentials of a remote_write from files (`authorization.
// credentials_file`, `basic_auth.password_file`), so a secret is a 0600 file of the prometheus
// user under the hub's secrets dir, never a value in prometheus.yml or in the plan. The
// `environment` external label (prometheus.ts) is attached to every sample sent, and the node
// series keep their `host` target label: one store can hold several environments apart.
import type { Spec } from "../../schema/spec-schema.ts";
import type { PlanFile } from "../plan.ts";
import { PROMETHEUS_USER, secretPath } from "./hub-secrets.ts";

export type RemoteWrite = Spec["remoteWrite"][number];

/** The spec secrets the remote writes need. */
export const remoteWriteSecrets = (spec: Spec): string[] =>
  [...new Set(spec.remoteWrite.flatMap((r) => [r.bearerToken?.secret, r.basicAuth?.password.secret].filter((s): s is string => s !== undefined)))].sort();

/** The `remote_write` section of prometheus.yml (data: prometheus.ts serializes it). */
export function remoteWriteConfig(spec: Spec): Record<string, unknown>[] {
  return spec.remoteWrite.map((r) => ({
    name: r.name,
    url: r.url,
    ...(r.bearerToken ? { authorization: { type: "Bearer", credentials_file: secretPath(r.bearerToken.secret) } } : {}),
    ...(r.basicAuth ? { basic_auth: { username: r.basicAuth.username, password_file: secretPath(r.basicAuth.password.secret) } } : {}),
    ...(r.headers && Object.keys(r.headers).length > 0 ? { headers: { ...r.headers } } : {}),
  }));
}

/** The secret files Prometheus reads (0600, its own user): placed with prometheus.yml. */
export const remoteWriteSecretFiles = (spec: Spec): PlanFile[] =>
  remoteWriteSecrets(spec).map((name) => ({ path: secretPath(name), mode: "0600", owner: `${PROMETHEUS_USER}:${PROMETHEUS_USER}`, secret: name }));
