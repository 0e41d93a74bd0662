// DigitalOcean enum values the API accepts (FIELD-NOTES; the generated docs show camelCase
// uptime regions that the API rejects).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { previewCloudResources } from "../../components/cloud-preview.ts";
import { MONITOR_WINDOWS, nearestMonitorWindow, vcpusOfSize } from "../../components/monitor-window.ts";
import { durationSeconds } from "../../schema/durations.ts";
import { SPEC_FILES, T, loadSpec, ofType, revealed } from "./helpers.ts";

const UPTIME_REGIONS = ["us_east", "us_west", "eu_west", "se_asia"];
const UPTIME_CHECK_TYPES = ["http", "https", "ping"];
const UPTIME_ALERT_TYPES = ["latency", "down", "down_global", "ssl_expiry"];
const UPTIME_COMPARISONS = ["greater_than", "less_than"];
const UPTIME_PERIODS = ["2m", "3m", "5m", "10m", "15m", "30m", "1h"];
const MONITOR_TYPES = ["cpu", "memory_utilization_percent", "disk_utilization_percent", "load_1", "load_5", "load_15"].map((t) => `v1/insights/droplet/${t}`);
const PROJECT_ENVIRONMENTS = ["Development", "Staging", "Production"];

for (const [label, file] of Object.entries(SPEC_FILES)) {
  test(`${label}: every DigitalOcean enum value is one the API accepts`, async () => {
    const rs = await previewCloudResources(loadSpec(file), { revealSecrets: true });
    for (const c of ofType(rs, T.uptimeCheck)) {
      assert.ok(UPTIME_CHECK_TYPES.includes(String(c.inputs.type)), `${c.name}: type ${c.inputs.type}`);
      for (const region of c.inputs.regions as string[]) assert.ok(UPTIME_REGIONS.includes(region), `${c.name}: region ${region}`);
    }
    for (const a of ofType(rs, T.uptimeAlert)) {
      assert.ok(UPTIME_ALERT_TYPES.includes(String(a.inputs.type)), `${a.name}: type ${a.inputs.type}`);
      assert.ok(UPTIME_PERIODS.includes(String(a.inputs.period)), `${a.name}: period ${a.inputs.period}`);
      if (a.inputs.comparison !== undefined) assert.ok(UPTIME_COMPARISONS.includes(String(a.inputs.comparison)));
      if (a.inputs.type !== "down" && a.inputs.type !== "down_global") assert.equal(typeof a.inputs.threshold, "number");
    }
    for (const m of ofType(rs, T.monitorAlert)) {
      assert.ok(MONITOR_TYPES.includes(String(m.inputs.type)), `${m.name}: type ${m.inputs.type}`);
      assert.ok(MONITOR_WINDOWS.some(([w]) => w === m.inputs.window), `${m.name}: window ${m.inputs.window}`);
      assert.ok(["GreaterThan", "LessThan"].includes(String(m.inputs.compare)));
      for (const id of m.inputs.entities as unknown[]) assert.equal(typeof id, "string", "monitor alert entities are droplet ids as strings");
      const alerts = (typeof m.inputs.alerts === "object" && m.inputs.alerts !== null && "[secret]" in m.inputs.alerts ? revealed(m.inputs.alerts) : m.inputs.alerts) as { emails?: string[]; slacks?: unknown[] };
      assert.ok((alerts.emails?.length ?? 0) + (alerts.slacks?.length ?? 0) > 0, `${m.name} notifies somebody`);
    }
    for (const p of ofType(rs, T.project)) assert.ok(PROJECT_ENVIRONMENTS.includes(String(p.inputs.environment)));
    for (const f of ofType(rs, T.firewall)) {
      for (const rule of [...((f.inputs.inboundRules as { protocol: string }[]) ?? []), ...((f.inputs.outboundRules as { protocol: string }[]) ?? [])]) {
        assert.ok(["tcp", "udp", "icmp"].includes(rule.protocol));
      }
    }
  });
}

test("a monitor window is the allowed window nearest the spec's `for`", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), fc.constantFrom("s", "m", "h"), (n, unit) => {
      const text = `${n}${unit}`;
      const seconds = durationSeconds(text);
      const chosen = nearestMonitorWindow(text);
      const chosenSeconds = MONITOR_WINDOWS.find(([w]) => w === chosen)![1];
      for (const [, s] of MONITOR_WINDOWS) assert.ok(Math.abs(chosenSeconds - seconds) <= Math.abs(s - seconds));
    }),
  );
  assert.equal(nearestMonitorWindow("1m"), "5m");
  assert.equal(nearestMonitorWindow("10m"), "10m");
  assert.equal(nearestMonitorWindow("20m"), "30m", "a tie takes the longer window");
  assert.equal(nearestMonitorWindow("6h"), "1h");
});

test("vCPUs of DigitalOcean size slugs", () => {
  assert.equal(vcpusOfSize("s-1vcpu-1gb"), 1);
  assert.equal(vcpusOfSize("s-2vcpu-4gb"), 2);
  assert.equal(vcpusOfSize("s-1vcpu-512mb-10gb"), 1);
  assert.equal(vcpusOfSize("c-4"), 4);
  assert.equal(vcpusOfSize("c2-8vcpu-16gb"), 8);
  assert.equal(vcpusOfSize("m-2vcpu-16gb"), 2);
  assert.equal(vcpusOfSize("512mb"), undefined);
});
