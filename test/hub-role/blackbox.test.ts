// blackbox.yml for every kind of uptime check (provisioning/hub/blackbox.ts): the module each
// check gets, checked by the real blackbox exporter, and the capability only icmp needs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { UptimeCheck } from "../../schema/spec-schema.ts";
import { blackboxConfig, blackboxDropIn, probeTarget } from "../../provisioning/hub/blackbox.ts";
import { edited, stack } from "../node-role/helpers.ts";
import { requireTool, run, tempDir } from "./support.ts";

const check = (c: Partial<UptimeCheck> & { name: string }): UptimeCheck => ({ regions: ["eu_west"], expectStatus: [], ...c }) as UptimeCheck;
const spec = edited(stack("prod"), (s) => {
  s.uptime = [
    check({ name: "api", url: "https://api.example.com/health", expectStatus: [200, 204] }),
    check({ name: "plain", url: "http://10.20.0.9:8080/" }),
    check({ name: "db", tcp: "10.20.0.9:5432" }),
    check({ name: "gw", icmp: "10.20.0.1" }),
  ];
});

test("each kind of check gets its module: http with its codes and https kept https, tcp, icmp; all IPv4 first", () => {
  const { modules } = parse(blackboxConfig(spec)) as { modules: Record<string, { prober: string; timeout: string; [k: string]: unknown }> };
  const ip = { preferred_ip_protocol: "ip4", ip_protocol_fallback: true };
  assert.deepEqual(modules["check-api"], { prober: "http", timeout: "10s", http: { ...ip, method: "GET", valid_status_codes: [200, 204], fail_if_not_ssl: true } });
  assert.deepEqual(modules["check-plain"], { prober: "http", timeout: "10s", http: { ...ip, method: "GET" } });
  assert.deepEqual(modules["check-db"], { prober: "tcp", timeout: "10s", tcp: ip });
  assert.deepEqual(modules["check-gw"], { prober: "icmp", timeout: "10s", icmp: ip });
  assert.deepEqual(spec.uptime.map(probeTarget), ["https://api.example.com/health", "http://10.20.0.9:8080/", "10.20.0.9:5432", "10.20.0.1"]);
  assert.throws(() => probeTarget(check({ name: "none" })), /uptime check "none" has none of url, tcp, icmp/);
});

test("the real blackbox exporter accepts the modules of every kind", () => {
  requireTool("prometheus-blackbox-exporter");
  const file = join(tempDir("blackbox"), "blackbox.yml");
  writeFileSync(file, blackboxConfig(spec));
  const r = run("prometheus-blackbox-exporter", ["--config.check", `--config.file=${file}`]);
  assert.equal(r.status, 0, r.output);
});

test("CAP_NET_RAW only with an icmp check", () => {
  assert.match(blackboxDropIn(spec), /^AmbientCapabilities=CAP_NET_RAW$/m);
  const noIcmp = edited(spec, (s) => void (s.uptime = s.uptime.filter((c) => c.icmp === undefined)));
  assert.doesNotMatch(blackboxDropIn(noIcmp), /CAP_NET_RAW/);
  assert.match(blackboxDropIn(noIcmp), /^# No icmp uptime check: no extra capability\.$/m);
});
