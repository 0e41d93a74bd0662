// Idle memory of CrowdSec as vigil configures it, on this machine (Debian 12's crowdsec 1.4.6),
// without a container: the lone host's process (agent + Local API on loopback) against the fleet
// node's agent-only process and the hub's API-only process. Each runs from vigil's own rendered
// config in a temporary directory, with the spec's collections enabled from the offline hub; the
// acquisition reads an empty file instead of the journal (this machine has none), so parsers and
// scenarios load exactly as on a host. PSS from /proc/PID/smaps_rollup after an idle wait.
//
//   node --import tsx bench/crowdsec/fleet-memory.ts [idle seconds, default 30]
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { PlanContext, PlanStep } from "../../provisioning/plan.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { secretFileContent } from "../../provisioning/step-script.ts";
import { registrationScript } from "../../provisioning/crowdsec-fleet.ts";
import { CROWDSEC_HUB, ENABLE_HUB_ITEM_FUNCTION } from "../../provisioning/node/crowdsec.ts";

const idleSeconds = Number(process.argv[2] ?? 30);
const KEY = "bench-fleet-key-0123456789";
const spec = (fleet: boolean) => {
  const r = loadSpecText(
    `version: 1
environment: bench
project: p
region: fra1
vpc: { ipRange: 10.213.13.0/24 }
hosts:
  - { name: app-1, roles: [node] }
  - { name: hub-a, roles: [hub] }
stack:
  crowdsec: { centralApi: false${fleet ? ", fleetKey: { secret: k }" : ""} }
alerts:
  receivers: { hook: { webhook: { url: "http://10.213.13.1:9099/" } } }
  routes: [{ to: [hook] }]
`,
    "bench.yaml",
  );
  if (!r.ok) throw new Error(formatErrors(r.errors));
  return r.spec;
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const dirs: string[] = [];
/** The step's /etc/crowdsec files in a temporary root, ports and paths moved, collections enabled. */
function install(step: PlanStep, ports: (text: string) => string, agent: boolean) {
  const root = mkdtempSync(join(tmpdir(), "vigil-bench-crowdsec-"));
  dirs.push(root);
  const etc = join(root, "etc/crowdsec");
  cpSync("/etc/crowdsec", etc, { recursive: true, verbatimSymlinks: true });
  for (const type of ["collections", "parsers", "scenarios", "postoverflows"]) rmSync(join(etc, type), { recursive: true, force: true });
  for (const d of ["data", "log"]) mkdirSync(join(root, d), { recursive: true });
  for (const f of readdirSync("/usr/share/crowdsec/data")) cpSync(join("/usr/share/crowdsec/data", f), join(root, "data", f));
  writeFileSync(join(root, "empty.log"), "");
  const relocate = (text: string) =>
    ports(text.replaceAll("/etc/crowdsec/", `${etc}/`).replaceAll("/var/lib/crowdsec/data/", `${root}/data/`).replaceAll("/var/log/", `${root}/log/`));
  for (const f of step.files.filter((x) => x.path.startsWith("/etc/crowdsec/"))) {
    const target = join(etc, f.path.slice("/etc/crowdsec/".length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, relocate(f.secret !== undefined ? secretFileContent(f, KEY) : (f.content ?? "")));
  }
  if (agent) {
    writeFileSync(join(etc, "acquis.yaml"), `filenames: [${join(root, "empty.log")}]\nlabels: { type: syslog }\n`);
    const enable = spawnSync("bash", ["-c", [`hub=${CROWDSEC_HUB} etc=${etc}`, "declare -A enabled_items=()", ENABLE_HUB_ITEM_FUNCTION, "for c in crowdsecurity/linux crowdsecurity/sshd; do enable_hub_item collections $c; done"].join("\n")]);
    if (enable.status !== 0) throw new Error(String(enable.stderr));
  }
  return { root, etc, config: join(etc, "config.yaml"), relocate };
}

const pssKb = (pid: number) => Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);
const rssKb = (pid: number) => Number(/^Rss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0);

async function main() {
  const children: ChildProcess[] = [];
  try {
    const ctx: PlanContext = { privateAddress: { "app-1": "127.0.0.1", "hub-a": "127.0.0.1" } };
    const [lapiPort, loneLapi, m1, m2, m3] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const step = (fleet: boolean, host: string) => planForHost(spec(fleet), host, ctx).steps.find((s) => s.id === "crowdsec")!;
    const metrics = (port: number) => (t: string) => t.replace(/listen_port: 6060/, `listen_port: ${port}`);
    // Lone host: agent + Local API (today's single-host setup).
    const lone = install(step(false, "app-1"), (t) => metrics(m1)(t.replaceAll("127.0.0.1:8080", `127.0.0.1:${loneLapi}`)), true);
    // What Debian's postinst does on a lone host: a local machine for the agent.
    const add = spawnSync("cscli", ["-c", lone.config, "machines", "add", "lone", "--force", "--password", "bench-password", "-f", join(lone.etc, "local_api_credentials.yaml"), "--url", `http://127.0.0.1:${loneLapi}/`], { cwd: lone.root });
    if (add.status !== 0) throw new Error(String(add.stderr));
    // Fleet: the hub's API-only process, the node's agent-only process logged in to it.
    const fleetPorts = (port: number) => (t: string) => metrics(port)(t.replaceAll("127.0.0.1:8080", `127.0.0.1:${lapiPort}`));
    const hub = install(step(true, "hub-a"), fleetPorts(m2), false);
    const reg = spawnSync("bash", ["-c", `set -e\n${hub.relocate(registrationScript(spec(true))).replaceAll("cscli --error", `cscli -c ${hub.config} --error`)}`], { cwd: hub.root });
    if (reg.status !== 0) throw new Error(String(reg.stderr));
    const node = install(step(true, "app-1"), fleetPorts(m3), true);
    const start = (name: string, box: { root: string; config: string }) => {
      const c = spawn("crowdsec", ["-c", box.config], { cwd: box.root, stdio: "ignore" });
      children.push(c);
      return { name, c };
    };
    const procs = [start("lone host: agent + Local API", lone), start("fleet hub: Local API only", hub)];
    await sleep(5000);
    procs.push(start("fleet node: agent only", node));
    await sleep(idleSeconds * 1000);
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`crowdsec ${spawnSync("crowdsec", ["-version"], { encoding: "utf8" }).stderr.match(/version: (\S+)/)?.[1] ?? "?"}, idle ${idleSeconds} s, load average ${load}`);
    console.log("| process | PSS | RSS |\n|---|---|---|");
    for (const p of procs) {
      if (p.c.exitCode !== null || p.c.pid === undefined) throw new Error(`${p.name} exited (${p.c.exitCode})`);
      console.log(`| ${p.name} | ${(pssKb(p.c.pid) / 1024).toFixed(1)} MB | ${(rssKb(p.c.pid) / 1024).toFixed(1)} MB |`);
    }
  } finally {
    for (const c of children) c.kill("SIGKILL");
    await sleep(200);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

await main();
