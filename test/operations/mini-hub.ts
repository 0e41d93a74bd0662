// A hub on this machine's loopback for the operating commands' tests: the real Debian
// `prometheus` and `prometheus-alertmanager` on free ports, reached through a test-owned sshd
// exactly as `vigil status` reaches a hub. Prometheus evaluates (every second) rules that stand
// in for a fleet's state: a firing critical and warning alert, the SLO series vigil's rules
// record, probe results of an uptime check, and one scrape target that is down.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import { BUDGET_REMAINING, ratioName } from "../../provisioning/rules/slo-rules.ts";
import { UPTIME_JOB } from "../../provisioning/rules/rule-file.ts";
import { BURN_RATE_WINDOW } from "../../bin/fleet-status.ts";
import type { HubPorts } from "../../bin/hub-connection.ts";
import { freePort } from "../node-role/helpers.ts";
import { startSshd, type TestSshd } from "./sshd.ts";

export interface MiniHub {
  sshd: TestSshd;
  ports: HubPorts;
  /** Alertmanager's URL on loopback (for the test's own checks). */
  amUrl: string;
  promUrl: string;
  stop(): Promise<void>;
}

/** The spec the mini hub's state belongs to. */
export const MINI_HUB_SPEC = `version: 1
environment: mini
project: vigil
region: fra1
hosts:
  - { name: app-1, roles: [node] }
  - { name: hub-1, roles: [hub] }
uptime:
  - { name: api, url: "https://api.example.test/health" }
slos:
  - { name: api-availability, uptime: api, objective: 99, window: 30d }
alerts:
  receivers:
    ops: { webhook: { url: "http://127.0.0.1:9/ops" } }
  routes:
    - { to: [ops] }
maintenance:
  - { name: always-app-1, weekdays: ["sunday:saturday"], alerts: [DiskAlmostFull] }
`;

async function ready(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: exited: ${log()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new Error(`${url} not ready: ${log()}`);
}

/** `ports`: where Prometheus and Alertmanager listen (default: free ports). */
export async function startMiniHub(fixedPorts?: HubPorts): Promise<MiniHub> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-minihub-"));
  const ports = fixedPorts ?? { prometheus: await freePort(), alertmanager: await freePort() };
  const down = await freePort();
  const labels = (l: Record<string, string>) => ({ environment: "mini", ...l });
  writeFileSync(
    join(dir, "rules.yml"),
    stringify({
      groups: [
        {
          name: "fleet",
          interval: "1s",
          rules: [
            { alert: "Pm2AppDown", expr: "vector(1)", labels: labels({ severity: "critical", host: "app-1", pm2_user: "deploy", app: "api" }), annotations: { summary: "api is down" } },
            { alert: "DiskAlmostFull", expr: "vector(1)", labels: labels({ severity: "warning", host: "app-1", mountpoint: "/" }) },
            { record: BUDGET_REMAINING, expr: "vector(0.75)", labels: { slo: "api-availability" } },
            { record: ratioName(BURN_RATE_WINDOW), expr: "vector(0.02)", labels: { slo: "api-availability" } },
            // Three probes of four good: availability 75 %.
            { record: "probe_success", expr: "vector(time() % 4 >= bool 1)", labels: { job: UPTIME_JOB, check: "api" } },
          ],
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    stringify({
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      rule_files: [join(dir, "rules.yml")],
      alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${ports.alertmanager}`] }] }] },
      scrape_configs: [{ job_name: "node", static_configs: [{ targets: [`127.0.0.1:${down}`], labels: { host: "app-1" } }] }],
    }),
  );
  writeFileSync(
    join(dir, "alertmanager.yml"),
    stringify({ route: { receiver: "none", group_wait: "1s", group_interval: "1s" }, receivers: [{ name: "none" }] }),
  );
  const logs = { prom: "", am: "" };
  const am = spawn("prometheus-alertmanager", [
    `--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "am")}`,
    `--web.listen-address=127.0.0.1:${ports.alertmanager}`, "--cluster.listen-address=",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  am.stderr!.on("data", (b: Buffer) => (logs.am += b.toString()));
  const prom = spawn("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    // The first evaluation comes before the Alertmanager is discovered and its alerts are
    // dropped; re-sending every second (not every minute) gets them there at once.
    "--rules.alert.resend-delay=1s",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  prom.stderr!.on("data", (b: Buffer) => (logs.prom += b.toString()));
  const amUrl = `http://127.0.0.1:${ports.alertmanager}`;
  const promUrl = `http://127.0.0.1:${ports.prometheus}`;
  const stopAll = async () => {
    for (const c of [prom, am]) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all([prom, am].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once("exit", r)))));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ready(`${amUrl}/-/ready`, am, () => logs.am);
    await ready(`${promUrl}/-/ready`, prom, () => logs.prom);
    // The state the tests read: both alerts at Alertmanager; the node target scraped and down
    // (Prometheus hands the first targets to its scrapers only at its discovery manager's first
    // 5 s tick, so the alerts can come first); four probe_success samples, so the availability
    // is a fraction (three of four good), not a lone 0 or 1.
    const state = async () => {
      const alerts = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as unknown[];
      const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as { data: { activeTargets: { health: string }[] } };
      const samples = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent("count_over_time(probe_success[1h])")}`)).json()) as { data: { result: { value: [number, string] }[] } };
      return { alerts: alerts.length, down: targets.data.activeTargets.filter((t) => t.health === "down").length, samples: Number(samples.data.result[0]?.value[1] ?? 0) };
    };
    for (let i = 0; ; i++) {
      const now = await state();
      if (now.alerts >= 2 && now.down === 1 && now.samples >= 4) break;
      if (i === 100) throw new Error(`the mini hub did not reach its state in 20 s (${JSON.stringify(now)}): ${logs.prom}`);
      await sleep(200);
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const sshd = await startSshd();
  return { sshd, ports, amUrl, promUrl, stop: async () => (await sshd.stop(), await stopAll()) };
}
