// node_exporter: the flags and /etc/default file, accepted by the real binary (flag check and a
// real start on 127.0.0.1 with one scrape), and the systemd unit selection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import {
  NODE_EXPORTER_DEFAULTS,
  TEXTFILE_DIR,
  nodeExporterArgs,
  nodeExporterDefaultsFile,
  nodeExporterListenAddresses,
  nodeExporterStep,
} from "../../provisioning/node/node-exporter.ts";
import { edited, run, stack, tempDir, freePort } from "./helpers.ts";

const prod = stack("prod");
const app1 = prod.hosts.find((h) => h.name === "app-1")!;

test("flags: loopback and VPC listen addresses, systemd collector over the watched units, the agent's textfile directory", () => {
  const ctx = offlineContext(prod);
  const args = nodeExporterArgs(prod, app1, ctx);
  assert.deepEqual(args.slice(0, 2), ["--web.listen-address=127.0.0.1:9100", `--web.listen-address=${ctx.privateAddress["app-1"]}:9100`]);
  assert.ok(args.includes("--collector.systemd"));
  assert.ok(args.includes(`--collector.textfile.directory=${TEXTFILE_DIR}`));
  assert.equal(TEXTFILE_DIR, "/var/lib/prometheus/node-exporter");
  const include = args.find((a) => a.startsWith("--collector.systemd.unit-include="))!.split("=")[1]!;
  const matches = (unit: string) => new RegExp(`^(?:${include})$`).test(unit);
  for (const unit of ["nginx.service", "fail2ban.service", "crowdsec.service", "netdata.service", "vigil-agent.timer", "ssh.service"]) {
    assert.ok(matches(unit), unit);
  }
  for (const unit of ["-.mount", "sys-kernel-debug.mount", "multi-user.target", "user.slice", "dev-sda.device"]) assert.ok(!matches(unit), unit);
  // IPv6 private address: bracketed
  assert.deepEqual(nodeExporterListenAddresses(app1, { privateAddress: { "app-1": "fd00::5" } }), ["127.0.0.1:9100", "[fd00::5]:9100"]);
  // the local target: one address
  assert.deepEqual(nodeExporterListenAddresses(app1, { privateAddress: { "app-1": "127.0.0.1" } }), ["127.0.0.1:9100"]);
});

test("the /etc/default file gives bash (and so the SysV script) exactly the flags", (t) => {
  const dir = tempDir(t, "node-exporter");
  const args = nodeExporterArgs(prod, app1, offlineContext(prod));
  const file = join(dir, "prometheus-node-exporter");
  writeFileSync(file, nodeExporterDefaultsFile(args));
  // a file named like the glob in the include regex must not change anything
  writeFileSync(join(dir, "x.service"), "");
  const r = run("bash", ["-c", `set -f; . ${file}; printf '%s\\n' $ARGS`], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split("\n"), args);
  assert.throws(() => nodeExporterDefaultsFile(["--foo=a b"]), /cannot be written/);
  assert.throws(() => nodeExporterDefaultsFile(["--foo=$x"]), /cannot be written/);
});

/** The step's validate command, run against a defaults file at `file` instead of /etc/default. */
function validate(file: string): ReturnType<typeof run> {
  const body = nodeExporterStep(prod, app1, offlineContext(prod)).validate!.replaceAll(NODE_EXPORTER_DEFAULTS, file);
  return run("bash", ["-c", `set -euo pipefail\nv() {\n${body}\n}\nv`]);
}

test("the step's validation accepts the rendered flags and rejects a flag node_exporter does not know", (t) => {
  const dir = tempDir(t, "node-exporter");
  const file = join(dir, "defaults");
  for (const spec of [stack("prod"), stack("dev")]) {
    for (const host of spec.hosts.filter((h) => h.roles.includes("node"))) {
      writeFileSync(file, nodeExporterDefaultsFile(nodeExporterArgs(spec, host, offlineContext(spec))));
      const ok = validate(file);
      assert.equal(ok.status, 0, `${spec.environment}/${host.name}: ${ok.stderr}`);
    }
  }
  writeFileSync(file, nodeExporterDefaultsFile([...nodeExporterArgs(prod, app1, offlineContext(prod)), "--collector.nosuch"]));
  const bad = validate(file);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown long flag '--collector\.nosuch'/);
});

test("node_exporter starts with the rendered flags (on 127.0.0.1) and serves the textfile metrics", async (t) => {
  const dir = tempDir(t, "node-exporter");
  const textfiles = join(dir, "textfile");
  mkdirSync(textfiles);
  writeFileSync(join(textfiles, "vigil.prom"), "# TYPE vigil_agent_last_run_timestamp_seconds gauge\nvigil_agent_last_run_timestamp_seconds 1700000000\n");
  const port = await freePort();
  const spec = edited(prod, (s) => void s.hosts[0]!.services.push("asterisk"));
  // Both rendered listen flags, moved to loopback addresses and a free port: the flag repeats.
  const args = nodeExporterArgs(spec, spec.hosts[0]!, { privateAddress: { "app-1": "127.0.0.3" } }).map((a) =>
    a.startsWith("--web.listen-address=") ? a.replace(/:9100$/, `:${port}`) : a.startsWith("--collector.textfile.directory=") ? `--collector.textfile.directory=${textfiles}` : a,
  );
  assert.deepEqual(args.slice(0, 2), [`--web.listen-address=127.0.0.1:${port}`, `--web.listen-address=127.0.0.3:${port}`]);
  const child = spawn("prometheus-node-exporter", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  t.after(() => void child.kill("SIGTERM"));
  let body = "";
  for (let attempt = 0; attempt < 100 && body === ""; attempt++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      body = await res.text();
    } catch {
      await sleep(100);
    }
  }
  if (body === "") assert.fail(`node_exporter did not answer (exit ${await Promise.race([exited, sleep(1000, "running")])}): ${stderr}`);
  assert.match(body, /^vigil_agent_last_run_timestamp_seconds 1\.7e\+09$/m);
  // and on the second address too
  assert.match(await (await fetch(`http://127.0.0.3:${port}/metrics`)).text(), /^node_exporter_build_info\{/m);
  assert.match(body, /^node_exporter_build_info\{/m);
  // the systemd collector is enabled (whether this machine has a system bus or not)
  assert.match(body, /^node_scrape_collector_success\{collector="systemd"\} [01]$/m);
  assert.match(stderr, /msg="Enabled collectors"[\s\S]*collector=systemd/);
});
