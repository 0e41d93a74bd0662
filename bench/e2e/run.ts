// End-to-end benchmark on a real Debian 12 container (the e2e test's target and fixtures), in
// batches: the container is one machine-wide slot shared by everyone working on this machine
// (`flock /tmp/vigil-e2e.lock`), so one invocation measures a chosen part and merges it into a
// results file; `--report` prints the merged table without booting anything.
//
//   detection: for each chosen fault at one interval, `--runs` rounds; each round injects the
//     faults that can run together at once, then node_exporter stopped (HostDown) on its own,
//     and waits for every alert to resolve before the next round, so each round starts healthy.
//     The median is reported next to the fault's floor (provisioning/detection-timing.ts).
//   soak: a healthy host for `--soak` at the interval, with a no-op re-apply, a threshold edit, a
//     re-apply that restarts node_exporter and the agent (and one that restarts them back), a
//     Prometheus configuration reload, a Netdata restart and a node_exporter restart inside it;
//     every notification is recorded and the critical ones counted (the goal is 0).
//   apply times (`--apply-times`): bare → monitored, no-op re-apply, threshold-edit apply;
//     idle usage (`--idle-seconds N`): RSS, PSS and CPU of each role's services.
//
//   flock /tmp/vigil-e2e.lock node --import tsx bench/e2e/run.ts --interval 5s --faults all --runs 3
//   flock /tmp/vigil-e2e.lock node --import tsx bench/e2e/run.ts --interval 5s --soak 15m
//   node --import tsx bench/e2e/run.ts --report
//   [--faults unit-killed,uptime-down,...] [--results FILE] [--apply-times] [--idle-seconds 60]
//
// Needs root and the packages of .ci/run. The container is always left down.
import { parseArgs } from "node:util";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { bootLocal, purgeLocal, stopLocal } from "../../bin/local-target.ts";
import { sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { localStatusReport, localUp } from "../../bin/local-apply.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import { durationSeconds } from "../../schema/durations.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { confirmSeconds } from "../../provisioning/detection-timing.ts";
import { e2eOptions, SLOT_WAIT_MS } from "../../test/e2e/support/target.ts";
import { AlertReceiver, type ReceivedAlert } from "../../test/e2e/support/receiver.ts";
import { DISK_MOUNT, e2eSpecText, freeLoopbackPort, makeLoopDisk, prepareAppHost, type SpecParams } from "../../test/e2e/support/fixtures.ts";
import { ALL_SCENARIOS, HOST_DOWN, type Scenario } from "../../test/e2e/support/scenarios.ts";

const { values } = parseArgs({
  options: {
    interval: { type: "string", default: "5s" },
    faults: { type: "string" },
    runs: { type: "string", default: "3" },
    soak: { type: "string" },
    "apply-times": { type: "boolean", default: false },
    "idle-seconds": { type: "string", default: "0" },
    results: { type: "string", default: "bench/e2e/results.json" },
    report: { type: "boolean", default: false },
  },
});

// ---------------------------------------------------------------------------------------------
// Results: merged across invocations. A fault measured again at an interval replaces its runs.

interface DetectionResult {
  name: string;
  floor: number;
  /** Seconds from injection to the webhook, one per round. */
  runs: number[];
  /** The alert that arrived first in each round. */
  alerts: string[];
  at: string;
  /** 1-minute load average of this machine: lowest and highest seen during the batch. */
  load: [number, number];
}
interface SoakEvent {
  atSeconds: number;
  what: string;
  seconds: number;
}
interface SoakResult {
  interval: string;
  seconds: number;
  critical: string[];
  others: string[];
  events: SoakEvent[];
  at: string;
  load: [number, number];
}
interface Results {
  detections: Record<string, Record<string, DetectionResult>>;
  soaks: SoakResult[];
  notes: string[];
}

const readResults = (): Results =>
  existsSync(values.results) ? (JSON.parse(readFileSync(values.results, "utf8")) as Results) : { detections: {}, soaks: [], notes: [] };
const writeResults = (r: Results) => writeFileSync(values.results, `${JSON.stringify(r, null, 2)}\n`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(1);

/**
 * The issue's goals: ≤ 30 s at 5 s for state faults, ≤ 1.5 × floor everywhere. Not for the faults
 * with a timing of their own: disk (its threshold's `for`), integrity (`integrityEvery`) and a
 * heartbeat (`every + grace` after its last success).
 */
const STATE_GOAL_SECONDS = 30;
const FLOOR_GOAL_FACTOR = 1.5;
const OWN_TIMING = new Set(["disk-filling", "sqlite-corrupted", "heartbeat-missed"]);

function report(r: Results): string {
  const intervals = Object.keys(r.detections).sort((a, b) => durationSeconds(a) - durationSeconds(b));
  const lines = [
    `| fault → alert | ${intervals.map((i) => `floor at ${i} | median at ${i} (runs) | × floor`).join(" | ")} |`,
    `|---|${intervals.map(() => "---|---|---").join("|")}|`,
  ];
  const misses: string[] = [];
  for (const s of ALL_SCENARIOS) {
    const cells = intervals.map((i) => {
      const d = r.detections[i]?.[s.id];
      if (!d) return "— | — | —";
      const m = median(d.runs);
      const x = m / d.floor;
      const over30 = i === "5s" && !OWN_TIMING.has(s.id) && m > STATE_GOAL_SECONDS;
      if (x > FLOOR_GOAL_FACTOR || over30 || d.runs.length < 3) misses.push(`${s.id} at ${i}: median ${m.toFixed(1)} s, ${x.toFixed(2)} × floor, ${d.runs.length} runs`);
      return `${d.floor} s | ${m.toFixed(1)} s (${d.runs.map((v) => v.toFixed(1)).join(", ")}) | ${x.toFixed(2)}`;
    });
    const alerts = [...new Set(intervals.flatMap((i) => r.detections[i]?.[s.id]?.alerts ?? []))].join(" / ") || s.expect.map((e) => e.alertname).join(" / ");
    lines.push(`| ${s.name} → ${alerts} | ${cells.join(" | ")} |`);
  }
  lines.push("");
  for (const i of intervals) {
    const ds = Object.values(r.detections[i]!);
    lines.push(`at ${i}: batches ${[...new Set(ds.map((d) => d.at))].join(", ")}; load average (1 min) ${Math.min(...ds.map((d) => d.load[0])).toFixed(1)}–${Math.max(...ds.map((d) => d.load[1])).toFixed(1)}`);
  }
  for (const s of r.soaks) {
    lines.push(
      `soak at ${s.interval}, ${s.seconds} s (${s.at}, load ${s.load[0].toFixed(1)}–${s.load[1].toFixed(1)}): ${s.critical.length} critical notifications` +
        `${s.critical.length ? ` (${s.critical.join("; ")})` : ""}, ${s.others.length} others${s.others.length ? ` (${s.others.join("; ")})` : ""}; ` +
        `events: ${s.events.map((e) => `${e.what} at ${e.atSeconds} s (${e.seconds.toFixed(1)} s)`).join(", ")}`,
    );
  }
  lines.push(misses.length ? `goals missed: ${misses.join("; ")}` : "goals met by every measured fault");
  return lines.join("\n");
}

if (values.report) {
  console.log(report(readResults()));
  process.exit(0);
}

const interval = values.interval;
const runs = Number(values.runs);
const soakSeconds = values.soak ? durationSeconds(values.soak) : 0;
const idleSeconds = Number(values["idle-seconds"]);
const chosen: Scenario[] = values.faults === undefined ? [] : values.faults === "all" ? ALL_SCENARIOS : values.faults.split(",").map((id) => {
  const s = ALL_SCENARIOS.find((x) => x.id === id);
  if (!s) {
    console.error(`unknown fault ${id}; one of ${ALL_SCENARIOS.map((x) => x.id).join(", ")}`);
    process.exit(2);
  }
  return s;
});
if (chosen.length === 0 && soakSeconds === 0 && !values["apply-times"] && idleSeconds === 0) {
  console.error("nothing to measure: give --faults, --soak, --apply-times or --idle-seconds (or --report)");
  process.exit(2);
}

// The machine's load, sampled through the batch (other engineers' work shares the 2 cores).
const loads: number[] = [loadavg()[0]!];
const loadTimer = setInterval(() => loads.push(loadavg()[0]!), 15_000).unref();
const loadRange = (): [number, number] => [Math.min(...loads), Math.max(...loads)];

const o = e2eOptions((l) => console.error(`  ${l}`));
const receiver = new AlertReceiver();
const port = await receiver.start();
const webPort = await freeLoopbackPort();
const disk = makeLoopDisk();
const specFor = (p: Partial<SpecParams> = {}): Spec => {
  const r = loadSpecText(e2eSpecText({ receiverPort: port, webPort, interval, ...p }), "e2e.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};

async function sh(t: SshTarget, command: string): Promise<string> {
  const r = await sshRun(t, command, { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${command}: ${r.stderr}`);
  return r.stdout;
}

async function apply(spec: Spec, out: (line: string) => void = () => {}): Promise<{ ms: number; changed: string[] }> {
  const t0 = performance.now();
  const { outcome } = await localUp(o, spec, { out });
  if (outcome.failure) throw new Error(`apply failed at ${outcome.failure.step}: ${outcome.failure.stderr}`);
  return { ms: performance.now() - t0, changed: outcome.steps.filter((s) => s.status === "changed").map((s) => s.id) };
}

const labelText = (a: ReceivedAlert) =>
  `${a.labels.alertname}{${Object.entries(a.labels).filter(([k]) => !["alertname", "environment", "severity"].includes(k)).map(([k, v]) => `${k}=${v}`).join(",")}} ${a.labels.severity ?? ""}`.trim();

interface Hit {
  scenario: Scenario;
  ms: number;
  alert: ReceivedAlert;
  labels: Record<string, string>;
}

/** Injects a fault and waits for its alert (up to three times its floor). */
async function detect(t: SshTarget, s: Scenario, spec: Spec): Promise<Hit> {
  const since = Date.now();
  await sh(t, s.inject);
  const timeoutMs = Math.max(3 * s.floor(spec), 120) * 1000;
  const hits = s.expect.map((labels) => receiver.waitFor(labels, { since, timeoutMs }).then((alert) => ({ alert, labels })));
  const { alert, labels } = await Promise.any(hits);
  return { scenario: s, ms: alert.receivedAt - since, alert, labels };
}

/** Waits for each hit's alert to be notified as resolved, so the next round starts from a healthy host. */
async function resolved(hits: Hit[]): Promise<void> {
  await Promise.all(
    hits.map((h) =>
      receiver.waitFor(h.labels, { since: h.alert.receivedAt, status: "resolved", timeoutMs: 240_000 }).catch(() => {
        console.log(`  ${h.scenario.id}: no resolution within 240 s (next round may start with it firing)`);
      }),
    ),
  );
}

async function detections(t: SshTarget): Promise<void> {
  const spec = specFor();
  const parallel = chosen.filter((s) => s !== HOST_DOWN);
  const hostDown = chosen.includes(HOST_DOWN);
  console.log(`\ninterval ${interval}: state alerts' for ${confirmSeconds(spec)} s; floor = for + scrape + evaluation + group wait (+ agent interval for agent-fed alerts)`);
  // The watchdog proves the whole path works before anything is timed.
  await receiver.waitFor({ alertname: "VigilWatchdog" }, { since: 0, timeoutMs: 180_000 });
  const times = new Map<Scenario, { ms: number[]; alerts: string[] }>(chosen.map((s) => [s, { ms: [], alerts: [] }]));
  const note = (h: Hit) => {
    times.get(h.scenario)!.ms.push(h.ms);
    times.get(h.scenario)!.alerts.push(h.alert.labels.alertname!);
    console.log(`  ${h.scenario.id.padEnd(22)} ${sec(h.ms).padStart(6)} s  ${labelText(h.alert)}`);
  };
  for (let run = 1; run <= runs; run++) {
    console.log(` round ${run} (${new Date().toISOString()}, load ${loadavg()[0]!.toFixed(1)})`);
    await sleep(durationSeconds(spec.intervals.scrape) * 2000);
    const settled = await Promise.allSettled(parallel.map((s) => detect(t, s, spec)));
    const hits: Hit[] = [];
    settled.forEach((r, i) => {
      if (r.status === "fulfilled") hits.push(r.value), note(r.value);
      else console.log(`  ${parallel[i]!.id}: not detected: ${String((r.reason as AggregateError).errors?.[0] ?? r.reason)}`);
    });
    for (const s of parallel) await sshRun(t, s.repair);
    await resolved(hits);
    if (hostDown) {
      try {
        const h = await detect(t, HOST_DOWN, spec);
        note(h);
        await sshRun(t, HOST_DOWN.repair);
        await resolved([h]);
      } catch (e) {
        console.log(`  ${HOST_DOWN.id}: not detected: ${String((e as AggregateError).errors?.[0] ?? e)}`);
        await sshRun(t, HOST_DOWN.repair);
      }
    }
  }
  const results = readResults();
  const at = new Date().toISOString();
  const byInterval = (results.detections[interval] ??= {});
  for (const [s, v] of times) {
    byInterval[s.id] = { name: s.name, floor: s.floor(spec), runs: v.ms.map((ms) => Number(sec(ms))), alerts: [...new Set(v.alerts)], at, load: loadRange() };
    const m = median(v.ms) / 1000;
    console.log(`  ${s.id.padEnd(22)} median ${m.toFixed(1).padStart(6)} s  floor ${String(s.floor(spec)).padStart(4)} s  ${(m / s.floor(spec)).toFixed(2)} × floor  (${v.ms.map(sec).join(", ")})`);
  }
  writeResults(results);
}

async function soak(t: SshTarget, soakFrom: number): Promise<void> {
  const base = specFor();
  const events: SoakEvent[] = [];
  const at = (fraction: number) => soakFrom + fraction * soakSeconds * 1000;
  const step = async (fraction: number, what: string, action: () => Promise<string | void>) => {
    await sleep(Math.max(0, at(fraction) - Date.now()));
    const t0 = performance.now();
    const detail = await action();
    const e = { atSeconds: Math.round((Date.now() - soakFrom) / 1000), what: detail ? `${what} [${detail}]` : what, seconds: (performance.now() - t0) / 1000 };
    events.push(e);
    console.log(`  soak +${e.atSeconds} s: ${e.what} (${e.seconds.toFixed(1)} s)`);
  };
  const applied = async (spec: Spec) => (await apply(spec)).changed.join(", ") || "nothing changed";
  console.log(`\nhealthy soak at ${interval} for ${soakSeconds} s`);
  await step(1 / 15, "no-op re-apply", () => applied(base));
  await step(2 / 15, "threshold edit apply", () => applied(specFor({ diskCritical: 91 })));
  await step(4 / 15, "re-apply restarting node_exporter and the agent", () => applied(specFor({ restartVariant: true })));
  await step(6 / 15, "re-apply restarting them back", () => applied(base));
  await step(8 / 15, "systemctl reload prometheus", () => sh(t, "systemctl reload prometheus"));
  await step(10 / 15, "systemctl restart netdata", () => sh(t, "systemctl restart netdata"));
  await step(12 / 15, "systemctl restart prometheus-node-exporter", () => sh(t, "systemctl restart prometheus-node-exporter"));
  await sleep(Math.max(0, at(1) - Date.now()));
  const firing = receiver.firing(soakFrom).filter((a) => a.labels.alertname !== "VigilWatchdog");
  const critical = firing.filter((a) => a.labels.severity === "critical").map(labelText);
  const others = firing.filter((a) => a.labels.severity !== "critical").map(labelText);
  const s: SoakResult = { interval, seconds: Math.round((Date.now() - soakFrom) / 1000), critical, others, events, at: new Date(soakFrom).toISOString(), load: loadRange() };
  console.log(`healthy soak: ${s.seconds} s, ${critical.length} critical notifications${critical.length ? ` (${critical.join("; ")})` : ""}, ${others.length} others${others.length ? ` (${others.join("; ")})` : ""}`);
  const results = readResults();
  results.soaks = [...results.soaks.filter((x) => x.interval !== interval), s];
  writeResults(results);
}

/** RSS (MB) and CPU (% of one core over `seconds`) per systemd unit, from /proc in the container. */
async function idleUsage(t: SshTarget, units: string[], seconds: number): Promise<Record<string, { rssMB: number; pssMB: number; cpuPercent: number }>> {
  const script = `
hz=$(getconf CLK_TCK)
snap() { for u in ${units.join(" ")}; do
  for p in $(systemctl show -p MainPID --value $u) $(cat /sys/fs/cgroup/systemd/system.slice/$u/cgroup.procs /sys/fs/cgroup/system.slice/$u/cgroup.procs 2>/dev/null); do
    [ -r /proc/$p/stat ] || continue
    echo "$u $p $(awk '{print $14+$15}' /proc/$p/stat) $(awk '/^Rss:/{print $2}' /proc/$p/smaps_rollup) $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup)"
  done
done | sort -u; }
snap > /tmp/a; sleep ${seconds}; snap > /tmp/b
echo "hz $hz"; cat /tmp/a | sed 's/^/a /'; cat /tmp/b | sed 's/^/b /'`;
  const out = await sh(t, script);
  const hz = Number(/^hz (\d+)/m.exec(out)?.[1] ?? 100);
  const a = new Map<string, number>();
  const usage: Record<string, { rssMB: number; pssMB: number; cpuPercent: number }> = {};
  for (const line of out.split("\n")) {
    const [tag, unit, pid, ticks, rss, pss] = line.split(" ");
    if (tag === "a") a.set(`${unit} ${pid}`, Number(ticks));
    if (tag === "b" && unit) {
      const u = (usage[unit] ??= { rssMB: 0, pssMB: 0, cpuPercent: 0 });
      u.rssMB += Number(rss ?? 0) / 1024;
      u.pssMB += Number(pss ?? 0) / 1024;
      const before = a.get(`${unit} ${pid}`);
      if (before !== undefined) u.cpuPercent += ((Number(ticks) - before) / hz / seconds) * 100;
    }
  }
  return usage;
}

try {
  console.log(
    `# e2e benchmark: ${new Date().toISOString()}, interval ${interval}` +
      `${chosen.length ? `, faults ${chosen.map((s) => s.id).join(",")} × ${runs} runs` : ""}${soakSeconds ? `, soak ${soakSeconds} s` : ""}, load ${loads[0]!.toFixed(1)}`,
  );
  const boot = await bootLocal(o, { fresh: true, waitSlotMs: SLOT_WAIT_MS, binds: [`${disk.hostDir}:${DISK_MOUNT}`] });
  const t = boot.target;
  await prepareAppHost(t, o.cacheDir, webPort);
  const steps: string[] = [];
  const first = await apply(specFor(), (l) => steps.push(l));
  console.log(`bare → monitored (apply of every role, ${interval}): ${sec(first.ms)} s`);
  if (values["apply-times"]) for (const l of steps.filter((l) => l.startsWith("["))) console.log(`  ${l}`);
  // Services may take a moment to answer after their first start.
  for (let i = 0; i < 60 && !(await localStatusReport(o, specFor())).ok; i++) await sleep(1000);
  const monitoredAt = Date.now();

  if (soakSeconds > 0) await soak(t, monitoredAt);

  if (values["apply-times"]) {
    const noop: number[] = [];
    for (let i = 0; i < 5; i++) noop.push((await apply(specFor())).ms);
    console.log(`no-op re-apply: median ${sec(median(noop))} s (min ${sec(Math.min(...noop))}, max ${sec(Math.max(...noop))}) of 5`);
    const change: number[] = [];
    for (let i = 0; i < 3; i++) change.push((await apply(specFor({ diskCritical: 91 + i }))).ms);
    await apply(specFor());
    console.log(`threshold change apply: median ${sec(median(change))} s of 3`);
  }

  if (idleSeconds > 0) {
    const units = ["netdata", "prometheus-node-exporter", "fail2ban", "crowdsec", "vigil-agent", "prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"];
    await sleep(30_000);
    const usage = await idleUsage(t, units.map((u) => `${u}.service`), idleSeconds);
    console.log(`idle usage over ${idleSeconds} s (RSS MB, PSS MB, CPU % of one core):`);
    for (const [u, v] of Object.entries(usage)) {
      console.log(`  ${u.padEnd(38)} ${v.rssMB.toFixed(1).padStart(7)} MB ${v.pssMB.toFixed(1).padStart(7)} MB ${v.cpuPercent.toFixed(2).padStart(6)} %`);
    }
  }

  if (chosen.length > 0 && runs > 0) await detections(t);
  console.log(`\n${report(readResults())}`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  clearInterval(loadTimer);
  await stopLocal(o);
  purgeLocal(o);
  disk.cleanup();
  await receiver.stop();
}
// Exit now: a fault with two possible alerts leaves the other one's wait pending (minutes), and
// this process holds the machine-wide e2e lock until it exits.
process.exit();
