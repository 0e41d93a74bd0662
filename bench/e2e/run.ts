// End-to-end benchmark on a real Debian 12 container (the e2e test's target and fixtures):
//   - bare host → fully monitored (the apply of every role; the app fixtures are not counted),
//   - no-op re-apply, config-change apply (a threshold edit),
//   - detection time per fault scenario at each interval, over several runs (median),
//   - idle RSS and CPU of each node-role service and of the whole role.
//
//   node --import tsx bench/e2e/run.ts [--intervals 5s,15s] [--runs 3] [--idle-seconds 60]
//
// Needs root and the packages of .ci/run; the container's slot must be free.
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { bootLocal, purgeLocal, stopLocal } from "../../bin/local-target.ts";
import { sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { localUp } from "../../bin/local-apply.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { confirmSeconds } from "../../provisioning/rules/rule-file.ts";
import { durationSeconds } from "../../schema/durations.ts";
import { e2eOptions, SLOT_WAIT_MS } from "../../test/e2e/support/target.ts";
import { AlertReceiver } from "../../test/e2e/support/receiver.ts";
import { DISK_MOUNT, e2eSpecText, makeLoopDisk, prepareAppHost } from "../../test/e2e/support/fixtures.ts";
import { HOST_DOWN, PARALLEL_SCENARIOS, type Scenario } from "../../test/e2e/support/scenarios.ts";

const { values } = parseArgs({
  options: {
    intervals: { type: "string", default: "5s,15s" },
    runs: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "60" },
  },
});
const intervals = values.intervals.split(",");
const runs = Number(values.runs);
const idleSeconds = Number(values["idle-seconds"]);

const o = e2eOptions((l) => console.error(`  ${l}`));
const receiver = new AlertReceiver();
const port = await receiver.start();
const disk = makeLoopDisk();
const specFor = (interval: string, diskCritical?: number): Spec => {
  const r = loadSpecText(e2eSpecText({ receiverPort: port, interval, diskCritical }), "e2e.yaml");
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(1);

async function sh(t: SshTarget, command: string): Promise<string> {
  const r = await sshRun(t, command, { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`${command}: ${r.stderr}`);
  return r.stdout;
}

async function apply(spec: Spec, out: (line: string) => void = () => {}): Promise<number> {
  const t0 = performance.now();
  const { outcome } = await localUp(o, spec, { out });
  if (outcome.failure) throw new Error(`apply failed at ${outcome.failure.step}: ${outcome.failure.stderr}`);
  return performance.now() - t0;
}

async function detect(t: SshTarget, s: Scenario): Promise<number> {
  const since = Date.now();
  await sh(t, s.inject);
  const hit = await Promise.any(s.expect.map((labels) => receiver.waitFor(labels, { since, timeoutMs: 300_000 })));
  return hit.receivedAt - since;
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
  console.log(`# e2e benchmark: ${new Date().toISOString()}, intervals ${intervals.join(", ")}, ${runs} runs each`);
  const boot = await bootLocal(o, { fresh: true, waitSlotMs: SLOT_WAIT_MS, binds: [`${disk.hostDir}:${DISK_MOUNT}`] });
  const t = boot.target;
  await prepareAppHost(t, o.cacheDir);
  const first = intervals[0]!;
  const steps: string[] = [];
  console.log(`bare → monitored (apply of every role, ${first}): ${sec(await apply(specFor(first), (l) => steps.push(l)))} s`);
  for (const l of steps.filter((l) => l.startsWith("["))) console.log(`  ${l}`);
  const noop: number[] = [];
  for (let i = 0; i < 5; i++) noop.push(await apply(specFor(first)));
  console.log(`no-op re-apply: median ${sec(median(noop))} s (min ${sec(Math.min(...noop))}, max ${sec(Math.max(...noop))}) of 5`);
  const change: number[] = [];
  for (let i = 0; i < 3; i++) {
    change.push(await apply(specFor(first, 91 + i)));
  }
  console.log(`threshold change apply: median ${sec(median(change))} s of 3`);

  const units = ["netdata", "prometheus-node-exporter", "fail2ban", "crowdsec", "vigil-agent", "prometheus", "prometheus-alertmanager", "prometheus-blackbox-exporter"];
  await sleep(30_000);
  const usage = await idleUsage(t, units.map((u) => `${u}.service`), idleSeconds);
  console.log(`idle usage over ${idleSeconds} s (RSS MB, PSS MB, CPU % of one core):`);
  for (const [u, v] of Object.entries(usage)) {
    console.log(`  ${u.padEnd(38)} ${v.rssMB.toFixed(1).padStart(7)} MB ${v.pssMB.toFixed(1).padStart(7)} MB ${v.cpuPercent.toFixed(2).padStart(6)} %`);
  }

  for (const interval of intervals) {
    const spec = specFor(interval);
    await apply(spec);
    const floor = confirmSeconds(spec) + durationSeconds(spec.intervals.scrape) + durationSeconds(spec.intervals.evaluation) + durationSeconds(spec.alerts.grouping.wait);
    console.log(`\ninterval ${interval}: rule 'for' ${confirmSeconds(spec)} s; floor (for + scrape + evaluation + group wait) ≤ ${floor} s`);
    const times: Record<string, number[]> = {};
    for (let run = 0; run < runs; run++) {
      await sleep(15_000);
      const settled = await Promise.allSettled(PARALLEL_SCENARIOS.map((s) => detect(t, s)));
      settled.forEach((r, i) => {
        const name = PARALLEL_SCENARIOS[i]!.name;
        if (r.status === "fulfilled") (times[name] ??= []).push(r.value);
        else console.log(`  run ${run + 1}: ${name} not detected: ${String(r.reason)}`);
      });
      for (const s of PARALLEL_SCENARIOS) await sshRun(t, s.repair);
      await sleep(15_000);
      try {
        (times[HOST_DOWN.name] ??= []).push(await detect(t, HOST_DOWN));
      } catch (e) {
        console.log(`  run ${run + 1}: ${HOST_DOWN.name} not detected: ${String(e)}`);
      } finally {
        await sshRun(t, HOST_DOWN.repair);
      }
      // Let every alert resolve before the next round, so each round starts from a healthy host.
      await sleep(confirmSeconds(spec) * 1000);
    }
    for (const [name, xs] of Object.entries(times)) {
      console.log(`  ${name.padEnd(28)} median ${sec(median(xs)).padStart(6)} s  (${xs.map(sec).join(", ")})`);
    }
  }
} finally {
  await stopLocal(o);
  purgeLocal(o);
  disk.cleanup();
  await receiver.stop();
}
