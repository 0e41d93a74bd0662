// `vigil report`: the page from a real Prometheus (the mini hub) over real SSH, loaded by Debian's
// headless Chromium: no console error (the page's CSP turns any request into one), and the
// checks, SLOs and incidents on it. .ci/run installs chromium.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { connectHub } from "../../bin/hub-connection.ts";
import { collectReport, escapeHtml, REPORT_DAYS, statusPageHtml, type ReportData } from "../../bin/status-page.ts";
import { MINI_HUB_SPEC, startMiniHub, type MiniHub } from "./mini-hub.ts";
import { chromium } from "./chromium.ts";
import { scratchDir } from "../scratch-dir.ts";

let hub: MiniHub;
let spec: Spec;

before(async () => {
  const r = loadSpecText(MINI_HUB_SPEC, "mini.yaml");
  assert.ok(r.ok);
  spec = r.spec;
  hub = await startMiniHub();
});
after(async () => hub?.stop());

test("the report page from a real hub loads in Chromium without console errors and shows checks, SLOs and incidents", async () => {
  const conn = await connectHub({ targets: [hub.sshd.target], ports: hub.ports });
  let data: ReportData;
  try {
    data = await collectReport(conn, spec, new Date());
  } finally {
    await conn.close();
  }
  assert.equal(data.checks[0]!.daily.length, REPORT_DAYS);
  assert.ok(data.checks[0]!.daily.at(-1)! > 0 && data.checks[0]!.daily.at(-1)! < 1, "today's probes: some good, some bad");
  assert.deepEqual(data.checks[0]!.daily.slice(0, -1).filter((v) => v !== null), [], "no data before the hub started");
  assert.ok(data.incidents.some((i) => i.alertname === "Pm2AppDown" && i.end === null && i.labels.host === "app-1"), JSON.stringify(data.incidents));
  const html = statusPageHtml(data);
  assert.doesNotMatch(html, /(src|href)\s*=/i, "nothing the page would fetch");
  assert.doesNotMatch(html, /<script/i);
  const dir = scratchDir("vigil-report-");
  writeFileSync(join(dir, "index.html"), html);
  const page = chromium(join(dir, "index.html"));
  assert.deepEqual(page.console, [], page.log);
  assert.match(page.dom, /<h1>mini: service status<\/h1>/);
  assert.match(page.dom, /<h3>api <span class="muted">/);
  assert.equal((page.dom.match(/<rect /g) ?? []).length, REPORT_DAYS);
  assert.match(page.dom, /<h3>api-availability<\/h3><p>Objective <b>99%<\/b> over 30d/);
  assert.match(page.dom, /<td>Pm2AppDown<\/td>.*<b>firing<\/b>/);
});

test("the console check can fail: a page that tries a request gets a console error", () => {
  const dir = scratchDir("vigil-report-bad-");
  const html = statusPageHtml({ environment: "x", generatedAt: 0, checks: [], slos: [], incidents: [] }).replace("</body>", '<img src="http://127.0.0.1:9/x.png"></body>');
  writeFileSync(join(dir, "index.html"), html);
  const page = chromium(join(dir, "index.html"));
  assert.ok(page.console.some((l) => /Content Security Policy/i.test(l)), page.log);
});

test("every text on the page is escaped", () => {
  const html = statusPageHtml({
    environment: "<script>x</script>",
    generatedAt: 0,
    checks: [],
    slos: [],
    incidents: [{ alertname: "A", labels: { host: '"><img src=x onerror=alert(1)>' }, start: 0, end: null }],
  });
  assert.doesNotMatch(html, /<script>x|<img src=x/);
  assert.equal(escapeHtml(`<&>"'`), "&lt;&amp;&gt;&quot;&#39;");
});
