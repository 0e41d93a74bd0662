// The parts of the hub's HTTP APIs the operating commands use, typed: Prometheus's /api/v1
// (query, query_range, targets) and Alertmanager's API v2 (alerts, silences), after their
// published OpenAPI / HTTP API documents. Plain requests over the hub connection; every answer is
// checked for the shape it must have before anything reads it, and a failure says which call.
import type { Hub, HubService } from "./hub-connection.ts";

/** A problem talking to a reachable hub (bad status, unexpected body). */
export class HubApiError extends Error {}

async function call<T>(hub: Hub, service: HubService, method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T> {
  const r = await hub.request(service, method, path, body);
  if (r.status < 200 || r.status >= 300) {
    throw new HubApiError(`${service} ${method} ${path.split("?")[0]}: HTTP ${r.status}: ${r.body.trim().slice(0, 300)}`);
  }
  if (r.body.trim() === "") return undefined as T;
  try {
    return JSON.parse(r.body) as T;
  } catch {
    throw new HubApiError(`${service} ${method} ${path.split("?")[0]}: not JSON: ${r.body.slice(0, 200)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}
export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}
interface PromEnvelope<T> {
  status: "success" | "error";
  data: T;
  error?: string;
}

function promData<T>(env: PromEnvelope<T>, what: string): T {
  if (env?.status !== "success") throw new HubApiError(`prometheus ${what}: ${env?.error ?? "no data"}`);
  return env.data;
}

/** An instant query; the result as samples (vector results only). */
export async function promQuery(hub: Hub, query: string, time?: Date): Promise<PromSample[]> {
  const params = new URLSearchParams({ query, ...(time ? { time: String(time.getTime() / 1000) } : {}) });
  const data = promData(await call<PromEnvelope<{ resultType: string; result: PromSample[] }>>(hub, "prometheus", "GET", `/api/v1/query?${params}`), "query");
  if (data.resultType !== "vector") throw new HubApiError(`prometheus query ${query}: expected a vector, got ${data.resultType}`);
  return data.result;
}

/** A range query (query_range): one series per label set, values as [unix seconds, text]. */
export async function promQueryRange(hub: Hub, query: string, start: Date, end: Date, stepSeconds: number): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query, start: String(start.getTime() / 1000), end: String(end.getTime() / 1000), step: String(stepSeconds) });
  const data = promData(await call<PromEnvelope<{ resultType: string; result: PromSeries[] }>>(hub, "prometheus", "GET", `/api/v1/query_range?${params}`), "query_range");
  if (data.resultType !== "matrix") throw new HubApiError(`prometheus query_range ${query}: expected a matrix, got ${data.resultType}`);
  return data.result;
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
  lastScrape: string;
}

export async function promTargets(hub: Hub): Promise<PromTarget[]> {
  return promData(await call<PromEnvelope<{ activeTargets: PromTarget[] }>>(hub, "prometheus", "GET", "/api/v1/targets?state=active"), "targets").activeTargets;
}

// ---------------------------------------------------------------------------------------------
// Alertmanager API v2

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

export async function amAlerts(hub: Hub): Promise<AmAlert[]> {
  const alerts = await call<AmAlert[]>(hub, "alertmanager", "GET", "/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true");
  if (!Array.isArray(alerts)) throw new HubApiError("alertmanager GET /api/v2/alerts: not a list");
  return alerts;
}

export interface AmMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence as posted (`id` set to update one). */
export interface AmPostableSilence {
  id?: string;
  matchers: AmMatcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface AmSilence extends Required<AmPostableSilence> {
  status: { state: "active" | "pending" | "expired" };
  updatedAt: string;
}

export async function amSilences(hub: Hub): Promise<AmSilence[]> {
  const silences = await call<AmSilence[]>(hub, "alertmanager", "GET", "/api/v2/silences");
  if (!Array.isArray(silences)) throw new HubApiError("alertmanager GET /api/v2/silences: not a list");
  return silences;
}

/** Creates a silence; returns its id. */
export async function amPostSilence(hub: Hub, silence: AmPostableSilence): Promise<string> {
  const r = await call<{ silenceID?: string }>(hub, "alertmanager", "POST", "/api/v2/silences", silence);
  if (typeof r?.silenceID !== "string") throw new HubApiError("alertmanager POST /api/v2/silences: no silenceID in the answer");
  return r.silenceID;
}

export async function amExpireSilence(hub: Hub, id: string): Promise<void> {
  await call<unknown>(hub, "alertmanager", "DELETE", `/api/v2/silence/${encodeURIComponent(id)}`);
}
