// Netdata: the config and health builders, and the real Debian netdata daemon started on the
// rendered files (on 127.0.0.1, a free port, state in a temporary directory): it must load
// vigil's alarms with the spec's thresholds in place of its stock ones, and re-read them on
// SIGUSR2, which is how the netdata-health step reloads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import { loopbackContext, offlineContext } from "../../provisioning/address-contexts.ts";
import { NETDATA_OPT_OUT, netdataBindAddresses, netdataConf, netdataDuration, netdataHealthFiles, netdataHealthStep, netdataStep } from "../../provisioning/node/netdata.ts";
import type { Thresholds } from "../../schema/spec-schema.ts";
import { edited, stack, tempDir, freePort } from "./helpers.ts";

const prod = stack("prod");
const app1 = prod.hosts.find((h) => h.name === "app-1")!;

test("Netdata binds 127.0.0.1 and the VPC address, only loopback when the private address is loopback", () => {
  const ctx = offlineContext(prod);
  assert.deepEqual(netdataBindAddresses(app1, ctx), ["127.0.0.1", ctx.privateAddress["app-1"]]);
  assert.deepEqual(netdataBindAddresses(app1, loopbackContext(prod)), ["127.0.0.1"]);
  assert.deepEqual(netdataBindAddresses(app1, { privateAddress: { "app-1": "fd00::5" } }), ["127.0.0.1", "[fd00::5]"]);
  assert.match(netdataConf(prod, app1, ctx), new RegExp(`^\\[web\\]\\n(?:\\t#.*\\n)?\\tbind to = 127\\.0\\.0\\.1 ${ctx.privateAddress["app-1"]!.replaceAll(".", "\\.")}$`, "m"));
});

test("notifications are off unless the spec turns them on; telemetry is opted out", () => {
  const ctx = offlineContext(prod);
  assert.match(netdataConf(prod, app1, ctx), /^\tscript to execute on alarm = \/bin\/true$/m);
  const on = edited(prod, (s) => void (s.stack.netdata.notifications = true));
  assert.doesNotMatch(netdataConf(on, app1, ctx), /script to execute on alarm/);
  const files = netdataStep(prod, app1, ctx).files;
  assert.deepEqual(files.find((f) => f.path === NETDATA_OPT_OUT), { path: NETDATA_OPT_OUT, mode: "0644", owner: "root:root", content: "" });
});

test("netdataDuration converts days and weeks to hours and keeps the rest", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom("s", "m", "h", "d", "w"), (n, unit) => {
      const out = netdataDuration(`${n}${unit}`);
      const hours = { s: 1 / 3600, m: 1 / 60, h: 1, d: 24, w: 168 }[unit];
      const m = /^(\d+)(s|m|h)$/.exec(out);
      assert.ok(m, out);
      const back = Number(m[1]) * { s: 1 / 3600, m: 1 / 60, h: 1 }[m[2] as "s" | "m" | "h"];
      assert.ok(Math.abs(back - n * hours) < 1e-9, `${n}${unit} -> ${out}`);
    }),
  );
  assert.throws(() => netdataDuration("5 minutes"), /not a duration/);
});

test("each health file carries its threshold pair and its window", () => {
  const t: Thresholds = { cpu: { warning: 61.5, critical: 88, for: "3m" }, memory: { warning: 70, critical: 90, for: "1d" }, disk: { warning: 81, critical: 93, for: "5m" }, load: { warning: 1.25, critical: 4, for: "10m" }, diskFillHours: 24,
    inodes: { warning: 85, critical: 95, for: "5m" }, clockSkewMs: 50, fileDescriptors: 80, conntrack: 75, cpuSteal: 10, networkErrors: 1, logErrors: 50 };
  const files = netdataHealthFiles(t);
  assert.deepEqual(Object.keys(files), ["cpu.conf", "ram.conf", "disks.conf", "load.conf"]);
  const check = (file: string, name: string, warn: string, crit: string, window: string) => {
    const text = files[file]!;
    assert.match(text, new RegExp(`^ *(alarm|template): ${name}$`, "m"), file);
    assert.match(text, new RegExp(`^ +warn: \\$this > ${warn.replace(".", "\\.")}$`, "m"), file);
    assert.match(text, new RegExp(`^ +crit: \\$this > ${crit}$`, "m"), file);
    assert.match(text, new RegExp(`^ +lookup: average -${window} unaligned`, "m"), file);
  };
  check("cpu.conf", "vigil_cpu_usage", "61.5", "88", "3m");
  check("ram.conf", "vigil_ram_usage", "70", "90", "24h");
  check("disks.conf", "vigil_disk_space_usage", "81", "93", "5m");
  check("load.conf", "vigil_load_per_cpu", "1.25", "4", "10m");
  const step = netdataHealthStep(prod);
  assert.deepEqual(step.files.map((f) => f.path), ["/etc/netdata/health.d/cpu.conf", "/etc/netdata/health.d/ram.conf", "/etc/netdata/health.d/disks.conf", "/etc/netdata/health.d/load.conf"]);
  assert.match(step.reload ?? "", /systemctl kill --kill-who=main --signal=USR2 netdata\.service/);
});

interface NetdataAlarm {
  warn?: string;
  crit?: string;
}

test("the real netdata loads the rendered alarms in place of its stock ones and re-reads them on SIGUSR2", async (t) => {
  const dir = tempDir(t, "netdata");
  const etc = join(dir, "etc");
  for (const d of ["etc/health.d", "cache", "lib", "log"]) mkdirSync(join(dir, d), { recursive: true });
  const port = await freePort();
  // The rendered netdata.conf, adapted only where a test must differ from a host: the port, the
  // user, state directories, RAM storage, and no external plugins.
  const conf =
    netdataConf(prod, app1, loopbackContext(prod))
      .replace("default port = 19999", `default port = ${port}`)
      .replace("run as user = netdata", `run as user = ${userInfo().username}`) +
    `
[directories]
\tconfig = ${etc}
\tstock config = /usr/lib/netdata/conf.d
\tcache = ${dir}/cache
\tlib = ${dir}/lib
\tlog = ${dir}/log
\thome = ${dir}/lib
[db]
\tmode = ram
[ml]
\tenabled = no
[plugins]
${["apps", "charts.d", "python.d", "go.d", "fping", "ioping", "perf", "slabinfo", "nfacct", "cups", "ebpf", "tc", "idlejitter", "cgroups", "statsd", "timex", "checks"].map((p) => `\t${p} = no`).join("\n")}
`;
  writeFileSync(join(etc, "netdata.conf"), conf);
  const writeHealth = (th: Thresholds) => {
    for (const [name, content] of Object.entries(netdataHealthFiles(th))) writeFileSync(join(etc, "health.d", name), content);
  };
  writeHealth(prod.thresholds);

  const child = spawn("/usr/sbin/netdata", ["-D", "-c", join(etc, "netdata.conf")], { cwd: dir, stdio: "ignore", detached: true });
  const spawnError = new Promise<Error>((resolve) => child.on("error", resolve));
  t.after(() => {
    // netdata and its spawn server form their own process group
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  });

  const alarms = async (): Promise<Record<string, NetdataAlarm>> => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/alarms?all`);
      return ((await res.json()) as { alarms: Record<string, NetdataAlarm> }).alarms;
    } catch {
      return {};
    }
  };
  const until = async (what: string, ok: (a: Record<string, NetdataAlarm>) => boolean) => {
    let last: Record<string, NetdataAlarm> = {};
    for (let i = 0; i < 120; i++) {
      if (child.exitCode !== null) assert.fail(`netdata exited with ${child.exitCode}`);
      last = await alarms();
      if (ok(last)) return last;
      await Promise.race([sleep(500), spawnError.then((e) => assert.fail(`netdata did not start: ${e.message}; .ci/run installs it`))]);
    }
    assert.fail(`${what}; netdata's alarms: ${Object.keys(last).join(", ")}`);
  };
  const ours = ["system.cpu.vigil_cpu_usage", "mem.available.vigil_ram_usage", "system.load.vigil_load_per_cpu"];
  const loaded = await until("vigil's alarms never appeared", (a) => ours.every((k) => k in a) && Object.keys(a).some((k) => k.endsWith(".vigil_disk_space_usage")));
  // HTML-escaped by the API
  const expr = (s: string | undefined) => (s ?? "").replaceAll("&gt;", ">");
  assert.equal(expr(loaded["system.cpu.vigil_cpu_usage"]!.warn), `$this > ${prod.thresholds.cpu.warning}`);
  assert.equal(expr(loaded["system.cpu.vigil_cpu_usage"]!.crit), `$this > ${prod.thresholds.cpu.critical}`);
  assert.equal(expr(loaded["system.load.vigil_load_per_cpu"]!.crit), `$this > ${prod.thresholds.load.critical}`);
  // the stock alarms for the same quantities are gone: one threshold per quantity on the dashboard
  for (const stock of ["10min_cpu_usage", "ram_in_use", "ram_available", "load_average_1", "load_average_15", "disk_space_usage"]) {
    assert.ok(!Object.keys(loaded).some((k) => k.endsWith(`.${stock}`)), stock);
  }

  writeHealth({ ...prod.thresholds, cpu: { warning: 55, critical: 66, for: "5m" } });
  process.kill(child.pid!, "SIGUSR2");
  await until("SIGUSR2 did not reload the health configuration", (a) => expr(a["system.cpu.vigil_cpu_usage"]?.warn) === "$this > 55");
});
