// `vigil report`: a self-contained static HTML status page. `collectReport` asks the hub's
// Prometheus (query_range); `statusPageHtml` is pure.
//
// Charts are inline SVG drawn here by hand: two shapes (a row of 90 day bars, one line over a
// window) are ~40 lines of string building, while a charting library would either run in the page
// (hundreds of KB of inlined script, against a page that must make no request and run no code) or
// need a DOM on the server. Every text that reaches the page goes through `escapeHtml`, and a
// Content-Security-Policy of `default-src 'none'` makes any request the page might still try
// fail (and show as a console error, which the test looks for).
import type { Spec } from "../schema/spec-schema.ts";
import { durationSeconds } from "../schema/durations.ts";
import { matchers, UPTIME_JOB } from "../provisioning/rules/rule-file.ts";
import { BUDGET_REMAINING, budgetFraction } from "../provisioning/rules/slo-rules.ts";
import type { Hub } from "./hub-connection.ts";
import { promQueryRange, type PromSeries } from "./hub-api.ts";

export const REPORT_DAYS = 90;
const DAY = 86_400;

export interface ReportCheck {
  name: string;
  /** Availability of each of the last REPORT_DAYS days (oldest first); null: no probes. */
  daily: (number | null)[];
  /** Mean probe duration per day, in ms. */
  latencyMs: (number | null)[];
}
export interface ReportSlo {
  name: string;
  objective: number;
  window: string;
  /** Budget left over time, oldest first: [unix seconds, share left]. */
  remaining: [number, number][];
}
export interface ReportIncident {
  alertname: string;
  labels: Record<string, string>;
  start: number;
  /** null: still firing at generation time. */
  end: number | null;
}
export interface ReportData {
  environment: string;
  generatedAt: number;
  checks: ReportCheck[];
  slos: ReportSlo[];
  incidents: ReportIncident[];
}

const uptimeSel = matchers({ job: UPTIME_JOB });

/** Values of the series with `label=name`, aligned to `times` (null where absent). */
function aligned(series: PromSeries[], label: string, name: string, times: number[], scale = 1): (number | null)[] {
  const s = series.find((x) => x.metric[label] === name);
  const byTime = new Map((s?.values ?? []).map(([t, v]) => [Math.round(t), Number(v) * scale]));
  return times.map((t) => {
    const v = byTime.get(t);
    return v === undefined || !Number.isFinite(v) ? null : v;
  });
}

export async function collectReport(hub: Hub, spec: Spec, now: Date): Promise<ReportData> {
  const end = Math.floor(now.getTime() / 1000);
  const start = end - (REPORT_DAYS - 1) * DAY;
  const times = Array.from({ length: REPORT_DAYS }, (_, i) => start + i * DAY);
  const at = (s: number) => new Date(s * 1000);
  // Prometheus answers at most 11,000 points per series: incidents are sampled every 15 min.
  const incidentStep = Math.max(900, Math.ceil((REPORT_DAYS * DAY) / 10_000));
  const [availability, latency, firing, ...budgets] = await Promise.all([
    promQueryRange(hub, `avg by (check) (avg_over_time(probe_success{${uptimeSel}}[1d]))`, at(start), at(end), DAY),
    promQueryRange(hub, `avg by (check) (avg_over_time(probe_duration_seconds{${uptimeSel}}[1d]))`, at(start), at(end), DAY),
    promQueryRange(hub, `max by (alertname, host, check, slo) (ALERTS{alertstate="firing",severity="critical"})`, at(end - REPORT_DAYS * DAY), at(end), incidentStep),
    ...spec.slos.map((slo) => {
      const w = durationSeconds(slo.window);
      return promQueryRange(hub, `${BUDGET_REMAINING}{${matchers({ slo: slo.name })}}`, at(end - w), at(end), Math.max(300, Math.ceil(w / 200)));
    }),
  ]);
  const incidents: ReportIncident[] = [];
  for (const s of firing) {
    const { alertname = "", ...labels } = s.metric;
    let open: number | undefined;
    let last = 0;
    for (const [t] of s.values) {
      if (open === undefined) open = t;
      else if (t - last > incidentStep * 1.5) {
        incidents.push({ alertname, labels, start: open, end: last });
        open = t;
      }
      last = t;
    }
    if (open !== undefined) incidents.push({ alertname, labels, start: open, end: end - last <= incidentStep ? null : last });
  }
  incidents.sort((a, b) => b.start - a.start);
  return {
    environment: spec.environment,
    generatedAt: end,
    checks: spec.uptime.map((u) => ({ name: u.name, daily: aligned(availability, "check", u.name, times), latencyMs: aligned(latency, "check", u.name, times, 1000) })),
    slos: spec.slos.map((slo, i) => ({
      name: slo.name,
      objective: slo.objective,
      window: slo.window,
      remaining: (budgets[i]?.[0]?.values ?? []).map(([t, v]) => [t, Number(v)] as [number, number]).filter(([, v]) => Number.isFinite(v)),
    })),
    incidents,
  };
}

/** Text and attribute values for HTML (the page's one escaping function). */
export const escapeHtml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

const pct = (v: number | null, digits = 2) => (v === null ? "no data" : `${(v * 100).toFixed(digits)}%`);
const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);
const stamp = (s: number) => new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ") + "Z";

function barColor(v: number | null): string {
  if (v === null) return "#d0d4da";
  if (v >= 0.999) return "#2e9e5b";
  if (v >= 0.99) return "#e0a800";
  return "#d64545";
}

function availabilityBars(c: ReportCheck, generatedAt: number): string {
  const w = 8;
  const gap = 2;
  const bars = c.daily
    .map((v, i) => {
      const t = generatedAt - (c.daily.length - 1 - i) * DAY;
      const lat = c.latencyMs[i];
      const tip = `${day(t)}: ${pct(v, 3)}${lat === null || lat === undefined ? "" : `, ${lat.toFixed(0)} ms`}`;
      return `<rect x="${i * (w + gap)}" y="0" width="${w}" height="34" rx="1.5" fill="${barColor(v)}"><title>${escapeHtml(tip)}</title></rect>`;
    })
    .join("");
  const width = c.daily.length * (w + gap) - gap;
  return `<svg class="bars" viewBox="0 0 ${width} 34" width="${width}" height="34" role="img" aria-label="${escapeHtml(`daily availability of ${c.name}`)}">${bars}</svg>`;
}

function burnDown(s: ReportSlo): string {
  const W = 600;
  const H = 160;
  const pad = 30;
  if (s.remaining.length < 2) return `<p class="muted">Not enough history for a burn-down yet.</p>`;
  const t0 = s.remaining[0]![0];
  const t1 = s.remaining.at(-1)![0];
  const lo = Math.min(0, ...s.remaining.map(([, v]) => v));
  const x = (t: number) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (W - 2 * pad);
  const y = (v: number) => pad / 2 + ((1 - v) / (1 - lo)) * (H - pad);
  const points = s.remaining.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  return (
    `<svg class="burn" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(`error budget of ${s.name} over ${s.window}`)}">` +
    `<line x1="${pad}" y1="${y(1)}" x2="${W - pad}" y2="${y(1)}" class="grid"/>` +
    `<line x1="${pad}" y1="${y(0)}" x2="${W - pad}" y2="${y(0)}" class="zero"/>` +
    `<text x="2" y="${y(1) + 4}" class="axis">100%</text><text x="8" y="${y(0) + 4}" class="axis">0%</text>` +
    `<text x="${pad}" y="${H - 2}" class="axis">${escapeHtml(day(t0))}</text>` +
    `<text x="${W - pad}" y="${H - 2}" class="axis" text-anchor="end">${escapeHtml(day(t1))}</text>` +
    `<polyline points="${points}" class="line"/></svg>`
  );
}

export function statusPageHtml(d: ReportData): string {
  const checks = d.checks
    .map((c) => {
      const known = c.daily.filter((v): v is number => v !== null);
      const overall = known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : null;
      const lat = c.latencyMs.filter((v): v is number => v !== null);
      const latency = lat.length > 0 ? `${(lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(0)} ms mean` : "no latency data";
      return `<section class="check"><h3>${escapeHtml(c.name)} <span class="muted">${escapeHtml(pct(overall, 3))} over ${known.length} of ${REPORT_DAYS} days with probes · ${escapeHtml(latency)}</span></h3>${availabilityBars(c, d.generatedAt)}<div class="scale muted"><span>${REPORT_DAYS} days ago</span><span>today</span></div></section>`;
    })
    .join("\n");
  const slos = d.slos
    .map((s) => {
      const left = s.remaining.at(-1)?.[1] ?? null;
      const spent = left === null ? null : 1 - left;
      const budget = budgetFraction({ name: s.name, objective: s.objective, window: s.window, minEventsPerHour: 0 });
      return (
        `<section class="slo"><h3>${escapeHtml(s.name)}</h3><p>Objective <b>${escapeHtml(String(s.objective))}%</b> over ${escapeHtml(s.window)} ` +
        `(error budget ${escapeHtml((budget * 100).toPrecision(3))}% of events) · budget spent <b>${escapeHtml(pct(spent, 1))}</b> · remaining <b>${escapeHtml(pct(left, 1))}</b></p>${burnDown(s)}</section>`
      );
    })
    .join("\n");
  const incidents =
    d.incidents.length === 0
      ? `<p class="muted">No critical alert fired in the last ${REPORT_DAYS} days.</p>`
      : `<table><thead><tr><th>alert</th><th>labels</th><th>from</th><th>to</th></tr></thead><tbody>${d.incidents
          .map(
            (i) =>
              `<tr><td>${escapeHtml(i.alertname)}</td><td>${escapeHtml(Object.entries(i.labels).map(([k, v]) => `${k}=${v}`).join(", "))}</td><td>${escapeHtml(stamp(i.start))}</td><td>${i.end === null ? "<b>firing</b>" : escapeHtml(stamp(i.end))}</td></tr>`,
          )
          .join("")}</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(d.environment)} status</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;color:#1d2430;max-width:980px;margin:24px auto;padding:0 16px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6ea;padding-bottom:4px}
h3{font-size:15px;margin:14px 0 6px}.muted{color:#6b7480;font-weight:normal}
.scale{display:flex;justify-content:space-between;width:898px;max-width:100%;font-size:12px}
svg.bars{max-width:100%;height:auto}svg .grid{stroke:#e3e6ea}svg .zero{stroke:#d64545;stroke-dasharray:4 3}
svg .line{fill:none;stroke:#2f6fdb;stroke-width:2}svg .axis{font-size:11px;fill:#6b7480}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eef0f2}
</style></head><body>
<h1>${escapeHtml(d.environment)}: service status</h1>
<p class="muted">Generated ${escapeHtml(stamp(d.generatedAt))} by vigil from the hub's Prometheus. Each bar is one day's share of successful probes.</p>
<h2>Uptime checks</h2>
${checks || `<p class="muted">No uptime checks in the spec.</p>`}
<h2>Service level objectives</h2>
${slos || `<p class="muted">No SLOs in the spec.</p>`}
<h2>Critical incidents (last ${REPORT_DAYS} days)</h2>
${incidents}
</body></html>
`;
}
