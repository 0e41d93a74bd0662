// The application's own signals end to end (issue 14), on the shared booted Debian 12 container
// provisioned by `vigil local up`'s code path. One apply, one app, overlapping waits:
//   - a prom-client app under PM2 whose error ratio rises fires the spec's custom rule;
//   - the same app writing lines to its error log (PM2's ~/.pm2/logs/APP-error.log) and a unit
//     logging errors to the journal (followed into mtail through a FIFO) fire LogErrorsSpike for
//     both logs;
//   - the app closing its metrics endpoint fires AppScrapeDown.
// Every alert must reach the local webhook receiver; none of them before its fault.
// Lean: only what these signals need (node_exporter, mtail, the hub); Netdata, fail2ban and
// CrowdSec are off.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { bootLocal, localStatus, stopLocal } from "../../bin/local-target.ts";
import { sshClose, sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { localUp } from "../../bin/local-apply.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { detectionFloorSeconds } from "../../provisioning/detection-timing.ts";
import { MTAIL_PORT } from "../../provisioning/service-ports.ts";
import { e2eOptions, SLOT_WAIT_MS } from "./support/target.ts";
import { AlertReceiver } from "./support/receiver.ts";
import { copyDir, E2E_HOST, freeLoopbackPort, PM2_USER, pm2, prepareAppHost } from "./support/fixtures.ts";

const o = e2eOptions();
let target: SshTarget;
const receiver = new AlertReceiver();
let receiverPort = 0;

const APP = "e2e-shop";
const APP_PORT = 9464;
const LOGGER = "e2e-logger";
/** The files that switch the app's faults on (the app polls them). */
const FAULT = { errors: "/srv/e2e/shop-errors", errorLines: "/srv/e2e/shop-error-lines", metricsOff: "/srv/e2e/shop-metrics-off", journal: "/srv/e2e/journal-errors" };
/** Where prom-client and its dependencies go in the container (Debian has no prom-client package). */
const APP_MODULES = "/opt/e2e-shop/node_modules";

// A prom-client app: 10 requests a second, half of them 500 while FAULT.errors exists; 20 lines a
// second on stderr (PM2's error log) while FAULT.errorLines exists; /metrics closed while
// FAULT.metricsOff exists.
const SHOP_JS = `const http = require("node:http");
const fs = require("node:fs");
const client = require("${APP_MODULES}/prom-client");
const requests = new client.Counter({ name: "http_requests_total", help: "HTTP requests by status code", labelNames: ["code"] });
requests.inc({ code: "200" }, 0);
requests.inc({ code: "500" }, 0);
client.collectDefaultMetrics();
setInterval(() => {
  const failing = fs.existsSync("${FAULT.errors}");
  for (let i = 0; i < 10; i++) requests.inc({ code: failing && i % 2 === 0 ? "500" : "200" });
  if (fs.existsSync("${FAULT.errorLines}")) for (let i = 0; i < 20; i++) console.error("ERROR e2e burst line " + i);
}, 1000);
let server;
const listen = () => {
  server = http.createServer(async (req, res) => {
    res.writeHead(200, { "content-type": client.register.contentType }).end(await client.register.metrics());
  });
  server.listen(${APP_PORT}, "127.0.0.1");
};
listen();
setInterval(() => {
  const off = fs.existsSync("${FAULT.metricsOff}");
  if (off && server) { server.close(); server.closeAllConnections(); server = undefined; }
  if (!off && !server) listen();
}, 500);
`;

const LOGGER_UNIT = `[Unit]
Description=e2e: a service that logs errors to the journal while ${FAULT.journal} exists
[Service]
ExecStart=/bin/sh -c 'while :; do if [ -e ${FAULT.journal} ]; then for i in 1 2 3 4 5 6 7 8 9 10; do echo "ERROR journal line $i"; done; fi; sleep 1; done'
[Install]
WantedBy=multi-user.target
`;

function specText(): string {
  return `version: 1
environment: e2e
project: vigil
region: fra1
hosts:
  - name: ${E2E_HOST}
    roles: [node, hub]
    scrape:
      - { name: shop, port: ${APP_PORT} }
    logs:
      - { name: shop, pm2: { user: ${PM2_USER}, app: ${APP} } }
      - { name: logger, journal: { unit: ${LOGGER} }, count: [{ name: error, regex: "^ERROR" }] }
stack:
  netdata: { enabled: false }
  fail2ban: { enabled: false }
  crowdsec: { enabled: false }
intervals: { scrape: 5s, evaluation: 5s }
thresholds:
  # The container shares this machine's kernel and its CPU load (see end-to-end.test.ts).
  cpu: { warning: 99.5, critical: 100 }
  load: { warning: 100, critical: 200 }
  logErrors: 20
rules:
  - alert: ShopErrorRatioHigh
    expr: sum by (host, app) (rate(http_requests_total{job="app",code=~"5.."}[30s])) / sum by (host, app) (rate(http_requests_total{job="app"}[30s])) > 0.05
    severity: critical
    summary: "{{ $labels.app }} on {{ $labels.host }} fails {{ $value | humanizePercentage }} of its requests"
alerts:
  confirm: 2
  receivers:
    hook: { webhook: { url: "http://127.0.0.1:${receiverPort}/alerts" } }
  routes:
    - { to: [hook] }
  grouping: { by: [alertname, host], wait: 1s, interval: 5s, repeat: 1h }
`;
}

let spec: Spec;
let appliedAt = 0;

before(async () => {
  receiverPort = await receiver.start();
  const r = loadSpecText(specText(), "app-signals.yaml");
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  spec = r.spec;
  // Fresh: a container left running by an interrupted run already has the PM2 daemon unit.
  target = (await bootLocal(o, { fresh: true, waitSlotMs: SLOT_WAIT_MS })).target;
});

after(async () => {
  try {
    await stopLocal(o);
  } finally {
    await receiver.stop();
  }
  assert.equal(localStatus(o).running, false);
});

async function sh(command: string): Promise<string> {
  const r = await sshRun(target, command, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, `remote command failed (${r.code}): ${command}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The value of an instant query on the hub's Prometheus (127.0.0.1:9090: the container shares this machine's loopback). */
async function query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.data.result;
}

const OURS = ["ShopErrorRatioHigh", "LogErrorsSpike", "AppScrapeDown"];

test("the app host with a prom-client app under PM2 and a logging unit gets scrape targets, mtail and the custom rule", { timeout: 900_000 }, async () => {
  // The uptime-check web server the fixture also starts is not used here; any free port will do.
  await prepareAppHost(target, o.cacheDir, await freeLoopbackPort());
  // prom-client and its dependencies, from this repository's lockfile.
  const modules = mkdtempSync(join(tmpdir(), "vigil-e2e-shop-"));
  try {
    for (const dep of ["prom-client", "tdigest", "bintrees", "@opentelemetry/api"]) {
      mkdirSync(join(modules, dep, ".."), { recursive: true });
      cpSync(join("node_modules", dep), join(modules, dep), { recursive: true });
    }
    await copyDir(target, modules, APP_MODULES);
    // mkdtemp made the copied root 0700: the app runs as the PM2 user.
    await sh(`chmod -R a+rX ${APP_MODULES}`);
  } finally {
    rmSync(modules, { recursive: true, force: true });
  }
  await sh(`set -e
rm -f ${Object.values(FAULT).join(" ")}
cat > /srv/e2e/shop.js <<'EOF'
${SHOP_JS}EOF
cat > /etc/systemd/system/${LOGGER}.service <<'EOF'
${LOGGER_UNIT}EOF
systemctl daemon-reload
systemctl enable --now --quiet ${LOGGER}
chown -R ${PM2_USER}: /srv/e2e
# PM2 starts the app in the CLI's working directory: not root's 0700 home.
cd /srv/e2e && ${pm2(`start /srv/e2e/shop.js --name ${APP}`)} >/dev/null`);
  const log: string[] = [];
  const { outcome } = await localUp(o, spec, { out: (l) => log.push(l) });
  assert.equal(outcome.failure, undefined, `${JSON.stringify(outcome.failure, null, 2)}\n${log.join("\n")}`);
  appliedAt = Date.now();
  await sshClose(target);
  // mtail: user mtail, on the private address (loopback for the local target) only, and the
  // follower writing the journal into its FIFO.
  assert.equal((await sh("ps -o user= -C mtail")).trim(), "mtail");
  assert.equal((await sh(`ss -Htln 'sport = :${MTAIL_PORT}' | awk '{print $4}'`)).trim(), `127.0.0.1:${MTAIL_PORT}`);
  assert.equal((await sh("systemctl is-active vigil-journal-logger.service")).trim(), "active");
  assert.equal((await sh("stat -c %F /var/lib/vigil-journal/logger.fifo")).trim(), "fifo");
});

test("healthy: the hub scrapes the app and mtail, the log counters exist at 0, no app alert fires", { timeout: 300_000 }, async () => {
  const deadline = Date.now() + 120_000;
  let seen = "";
  for (;;) {
    const up = await query('up{job=~"app|mtail"}').catch(() => []);
    const lines = await query("vigil_log_lines_total").catch(() => []);
    seen = JSON.stringify({ up: up.map((s) => [s.metric.job, s.value[1]]), lines: lines.map((s) => [s.metric.log, s.metric.pattern, s.value[1]]) });
    const ok = up.length === 2 && up.every((s) => s.value[1] === "1") && lines.length === 2 && lines.every((s) => s.value[1] === "0");
    if (ok) break;
    assert.ok(Date.now() < deadline, `targets or counters not there: ${seen}`);
    await sleep(2000);
  }
  const lines = await query("vigil_log_lines_total");
  assert.deepEqual(
    lines.map((s) => [s.metric.host, s.metric.log, s.metric.pattern, s.metric.job]).sort(),
    [[E2E_HOST, "logger", "error", "mtail"], [E2E_HOST, "shop", "error", "mtail"]],
  );
  // Two evaluations past the confirm window: a healthy app raises none of its alerts.
  await sleep(2 * detectionFloorSeconds(spec, "scrape") * 1000);
  assert.deepEqual(receiver.firing(0).filter((a) => OURS.includes(a.labels.alertname!)).map((a) => a.labels), []);
});

test("faults: the error ratio fires the custom rule, error lines in the PM2 log and the journal fire LogErrorsSpike, a closed /metrics fires AppScrapeDown", { timeout: 600_000 }, async (t) => {
  const floor = detectionFloorSeconds(spec, "scrape");
  const since = Date.now();
  const timeoutMs = 4 * floor * 1000 + 30_000;
  try {
    await sh(`touch ${FAULT.errors} ${FAULT.errorLines} ${FAULT.journal}`);
    const expected: Record<string, string>[] = [
      { alertname: "ShopErrorRatioHigh", host: E2E_HOST, app: "shop", severity: "critical", environment: "e2e" },
      { alertname: "LogErrorsSpike", host: E2E_HOST, log: "shop", severity: "warning" },
      { alertname: "LogErrorsSpike", host: E2E_HOST, log: "logger", severity: "warning" },
    ];
    const hits = await Promise.all(expected.map((labels) => receiver.waitFor(labels, { since, timeoutMs })));
    hits.forEach((hit, i) => t.diagnostic(`${JSON.stringify(expected[i])}: ${((hit.receivedAt - since) / 1000).toFixed(1)} s`));
    await sh(`rm -f ${FAULT.errors} ${FAULT.errorLines} ${FAULT.journal}`);
    // Only now: AppScrapeDown, while the rule on the app's own metrics goes blind with it.
    const down = Date.now();
    await sh(`touch ${FAULT.metricsOff}`);
    const hit = await receiver.waitFor({ alertname: "AppScrapeDown", host: E2E_HOST, app: "shop", severity: "critical" }, { since: down, timeoutMs });
    t.diagnostic(`AppScrapeDown: ${((hit.receivedAt - down) / 1000).toFixed(1)} s (floor ${floor} s)`);
    assert.deepEqual(receiver.alerts.filter((a) => a.labels.alertname === "AppScrapeDown" && a.receivedAt < down).map((a) => a.labels), []);
    // Not before the faults: nothing of ours arrived between the apply and the injection.
    assert.deepEqual(receiver.alerts.filter((a) => OURS.includes(a.labels.alertname!) && a.receivedAt >= appliedAt && a.receivedAt < since).map((a) => a.labels), []);
  } finally {
    await sshRun(target, `rm -f ${Object.values(FAULT).join(" ")}`);
  }
});
