// The node role as a whole: which steps a host gets, that a spec edit changes exactly the steps
// that carry it, that nothing listens on all interfaces, and that every step script is sound bash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { loopbackContext, offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { stepHash, type PlanContext, type PlanStep } from "../../provisioning/plan.ts";
import { nodeRoleSteps } from "../../provisioning/node/node-role.ts";
import { stepScript } from "../../provisioning/step-script.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { edited, run, stack } from "./helpers.ts";

const nodeSteps = (spec: Spec, hostName: string, ctx: PlanContext = offlineContext(spec)): PlanStep[] => {
  const host = spec.hosts.find((h) => h.name === hostName);
  assert.ok(host, `host ${hostName}`);
  return nodeRoleSteps(spec, host, ctx);
};

const hashes = (steps: PlanStep[]) => new Map(steps.map((s) => [s.id, stepHash(s)]));

/** Ids of the steps whose hash differs between two plans of the same host (or that exist in one only). */
function changedSteps(before: PlanStep[], after: PlanStep[]): string[] {
  const a = hashes(before);
  const b = hashes(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id)).sort();
}

const nodeHosts = (spec: Spec) => spec.hosts.filter((h) => h.roles.includes("node")).map((h) => h.name);
const stacks = () => [stack("prod"), stack("dev")];

test("a node host gets Netdata, its health alarms, node_exporter with Debian's apt collector, its heartbeats, fail2ban, CrowdSec and the bouncer, in that order", () => {
  assert.deepEqual(
    nodeSteps(stack("prod"), "app-1").map((s) => s.id),
    ["netdata", "netdata-health", "node-exporter", "node-exporter-apt-metrics", "heartbeats", "fail2ban", "crowdsec", "crowdsec-firewall-bouncer", "mtail"],
  );
  // dev: firewallBouncer: false, so a step that stops a bouncer if one is there
  assert.deepEqual(nodeSteps(stack("dev"), "dev-1").map((s) => s.id), ["netdata", "netdata-health", "node-exporter", "node-exporter-apt-metrics", "fail2ban", "crowdsec", "crowdsec-firewall-bouncer-off"]);
  // a hub-only host gets none of them
  const monitor = planForHost(stack("prod"), "monitor", offlineContext(stack("prod")));
  for (const id of ["netdata", "node-exporter", "fail2ban", "crowdsec"]) assert.ok(!monitor.steps.some((s) => s.id === id), id);
});

test("a disabled piece gets only a step that stops and disables its units, installing nothing", () => {
  const prod = stack("prod");
  const cases: [keyof Spec["stack"], string[], string, string[]][] = [
    ["netdata", ["netdata", "netdata-health"], "netdata-off", ["netdata.service"]],
    // Heartbeats publish through node_exporter: without it they have no step (validate refuses the spec).
    ["nodeExporter", ["node-exporter", "node-exporter-apt-metrics", "heartbeats"], "node-exporter-off", ["prometheus-node-exporter.service"]],
    ["fail2ban", ["fail2ban"], "fail2ban-off", ["fail2ban.service"]],
    ["crowdsec", ["crowdsec", "crowdsec-firewall-bouncer"], "crowdsec-off", ["crowdsec-firewall-bouncer.service", "crowdsec.service"]],
  ];
  for (const [piece, ids, offId, units] of cases) {
    const spec = edited(prod, (s) => {
      s.stack[piece].enabled = false;
    });
    const steps = nodeSteps(spec, "app-1");
    const got = steps.map((s) => s.id);
    for (const id of ids) assert.ok(!got.includes(id), `${piece} disabled still has ${id}`);
    assert.equal(got.length, nodeSteps(prod, "app-1").length - ids.length + 1, `${piece}: ${got.join(",")}`);
    const off = steps.find((s) => s.id === offId);
    assert.ok(off, `${piece}: ${got.join(",")}`);
    assert.deepEqual(off.files, []);
    assert.doesNotMatch(off.run ?? "", /apt-get/);
    assert.match(off.run ?? "", new RegExp(`for u in ${units.map((u) => `'${u.replaceAll(".", "\\.")}'`).join(" ")}; do`));
    assert.match(off.run ?? "", /systemctl disable --now --quiet "\$u"/);
  }
});

test("a threshold edit changes exactly the netdata-health step of every node host", () => {
  const edits: [string, (s: Spec) => void][] = [
    ["cpu.warning", (s) => void (s.thresholds.cpu.warning = 61)],
    ["cpu.for", (s) => void (s.thresholds.cpu.for = "15m")],
    ["memory.critical", (s) => void (s.thresholds.memory.critical = 97.5)],
    ["disk.warning", (s) => void (s.thresholds.disk.warning = 75)],
    ["disk.for", (s) => void (s.thresholds.disk.for = "1h")],
    ["load.critical", (s) => void (s.thresholds.load.critical = 8)],
  ];
  for (const spec of stacks()) {
    for (const hostName of nodeHosts(spec)) {
      for (const [what, edit] of edits) {
        const changed = changedSteps(nodeSteps(spec, hostName), nodeSteps(edited(spec, edit), hostName));
        assert.deepEqual(changed, ["netdata-health"], `${spec.environment}/${hostName}: ${what}`);
      }
      // diskFillHours is the hub's (predict_linear); Netdata carries no such alarm
      assert.deepEqual(changedSteps(nodeSteps(spec, hostName), nodeSteps(edited(spec, (s) => void (s.thresholds.diskFillHours = 48)), hostName)), []);
    }
  }
});

test("other edits change only the step that carries them", () => {
  const prod = stack("prod");
  const cases: [string, (s: Spec) => void, string[]][] = [
    ["fail2ban.maxretry", (s) => void (s.stack.fail2ban.maxretry = 3), ["fail2ban"]],
    ["fail2ban.ignoreIp", (s) => void s.stack.fail2ban.ignoreIp.push("198.51.100.0/24"), ["fail2ban"]],
    ["crowdsec.centralApi", (s) => void (s.stack.crowdsec.centralApi = false), ["crowdsec"]],
    ["crowdsec.collections", (s) => void s.stack.crowdsec.collections.push("crowdsecurity/nginx"), ["crowdsec"]],
    ["netdata.notifications", (s) => void (s.stack.netdata.notifications = true), ["netdata"]],
    // a watched service is exported by node_exporter's systemd collector
    ["services", (s) => void s.hosts[0]!.services.push("asterisk"), ["node-exporter"]],
  ];
  for (const [what, edit, expected] of cases) {
    assert.deepEqual(changedSteps(nodeSteps(prod, "app-1"), nodeSteps(edited(prod, edit), "app-1")), expected, what);
  }
});

test("the plan is deterministic", () => {
  for (const spec of stacks()) {
    for (const hostName of nodeHosts(spec)) {
      assert.deepEqual(nodeSteps(spec, hostName), nodeSteps(stack(spec.environment as "dev" | "prod"), hostName));
      assert.deepEqual([...hashes(nodeSteps(spec, hostName))], [...hashes(nodeSteps(spec, hostName))]);
    }
  }
});

/** Every address a rendered node-role file makes a service listen on. */
function listenAddresses(steps: PlanStep[]): { file: string; listen: string }[] {
  const found: { file: string; listen: string }[] = [];
  for (const step of steps) {
    for (const f of step.files) {
      const text = f.content ?? "";
      for (const m of text.matchAll(/--web\.listen-address=(\S+?)(?=[\s"])/g)) found.push({ file: f.path, listen: m[1]! });
      for (const m of text.matchAll(/^\s*bind to = (.*)$/gm)) for (const a of m[1]!.trim().split(/\s+/)) found.push({ file: f.path, listen: a });
      if (f.path === "/etc/crowdsec/config.yaml") {
        const c = parse(text) as { api: { server: { listen_uri: string } }; prometheus: { listen_addr: string } };
        found.push({ file: f.path, listen: c.api.server.listen_uri }, { file: f.path, listen: c.prometheus.listen_addr });
      }
    }
  }
  return found;
}

test("no rendered file makes a service listen on all interfaces", () => {
  for (const spec of stacks()) {
    for (const ctx of [offlineContext(spec), loopbackContext(spec)]) {
      for (const hostName of nodeHosts(spec)) {
        const steps = nodeSteps(spec, hostName, ctx);
        const allowed = new Set(["127.0.0.1", ctx.privateAddress[hostName]]);
        const listens = listenAddresses(steps);
        // node_exporter, Netdata (one line, several addresses), CrowdSec LAPI + metrics
        assert.ok(listens.length >= 4, JSON.stringify(listens));
        for (const { file, listen } of listens) {
          const host = listen.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
          assert.ok(allowed.has(host), `${spec.environment}/${hostName} ${file} listens on "${listen}"`);
        }
        // and nothing anywhere that reads as a wildcard bind
        for (const step of steps) {
          for (const f of step.files) {
            assert.doesNotMatch(f.content ?? "", /0\.0\.0\.0|\[::\]|listen-address=:|bind to = \*|bind socket to IP = \*/, f.path);
          }
        }
      }
    }
  }
});

test("node_exporter and Netdata listen on 127.0.0.1 (a hub on the host) and the VPC address (other hubs), nowhere else", () => {
  const prod = stack("prod");
  const dev = stack("dev");
  const listenOf = (steps: PlanStep[]) => listenAddresses(steps.filter((s) => s.id === "node-exporter")).map((l) => l.listen);
  assert.deepEqual(listenOf(nodeSteps(prod, "app-1")), ["127.0.0.1:9100", `${offlineContext(prod).privateAddress["app-1"]}:9100`]);
  assert.deepEqual(listenOf(nodeSteps(dev, "dev-1")), ["127.0.0.1:9100", `${offlineContext(dev).privateAddress["dev-1"]}:9100`]);
  assert.deepEqual(listenOf(nodeSteps(dev, "dev-1", loopbackContext(dev))), ["127.0.0.1:9100"]);
  const bindOf = (steps: PlanStep[]) => listenAddresses(steps.filter((s) => s.id === "netdata")).map((l) => l.listen);
  assert.deepEqual(bindOf(nodeSteps(dev, "dev-1")), ["127.0.0.1", offlineContext(dev).privateAddress["dev-1"]]);
  assert.deepEqual(bindOf(nodeSteps(dev, "dev-1", loopbackContext(dev))), ["127.0.0.1"]);
  assert.throws(() => nodeSteps(prod, "app-1", { privateAddress: {} }), /no private address for host "app-1"/);
});

test("every step has a probe, is valid bash, and reloads only its own unit", () => {
  const ownUnit: Record<string, string> = {
    netdata: "netdata.service",
    "netdata-health": "netdata.service",
    "node-exporter": "prometheus-node-exporter.service",
    "node-exporter-apt-metrics": "prometheus-node-exporter-apt.timer",
    fail2ban: "fail2ban.service",
    crowdsec: "crowdsec.service",
    "crowdsec-firewall-bouncer": "crowdsec-firewall-bouncer.service",
    mtail: "mtail.service",
  };
  /** The mtail step also restarts the followers of its journal sources (vigil-journal-NAME.service). */
  const alsoOwn = (id: string, unit: string) => id === "mtail" && /^vigil-journal-[a-z0-9-]+\.service$/.test(unit);
  for (const spec of stacks()) {
    for (const hostName of nodeHosts(spec)) {
      for (const step of nodeSteps(spec, hostName)) {
        assert.ok(step.probe && step.probe.trim() !== "", `${step.id} has a probe`);
        const syntax = run("bash", ["-n"], { input: stepScript(step) });
        assert.equal(syntax.status, 0, `${step.id}: ${syntax.stderr}`);
        // nothing a Debian 12 minbase lacks
        assert.doesNotMatch(stepScript(step), /\b(sudo|curl|wget|jq)\b/, step.id);
        // The heartbeats step serves no unit: vigil-heartbeat runs from the jobs, node_exporter reads its files at each scrape.
        if (step.id.endsWith("-off") || step.id === "heartbeats") {
          assert.equal(step.reload, undefined, step.id);
          continue;
        }
        assert.ok(step.reload, `${step.id} has a reload`);
        const units = [...(step.reload ?? "").matchAll(/systemctl (?:reload-or-restart|restart|kill [^\n]*?) '?([\w@.-]+\.(?:service|timer))'?/g)].map((m) => m[1]);
        assert.ok(units.length > 0, `${step.id}: ${step.reload}`);
        for (const unit of units) if (!alsoOwn(step.id, unit!)) assert.equal(unit, ownUnit[step.id], `${step.id} reloads ${unit}`);
      }
    }
  }
});

test("the node role needs no secret: the keys CrowdSec and its bouncer use are made on the host", () => {
  for (const spec of stacks()) {
    for (const hostName of nodeHosts(spec)) {
      for (const step of nodeSteps(spec, hostName)) {
        for (const f of step.files) {
          assert.equal(f.secret, undefined, f.path);
          assert.doesNotMatch(f.content ?? "", /password|api_key|routingKey|webhook/i, f.path);
        }
      }
    }
  }
});

test("each service's config is a file of the step that installs it, so its first start already uses it", () => {
  // The step script places files, then validates, then runs (apt-get install): the package's
  // postinst starts the service with vigil's config, never with Debian's all-interface default.
  const firstStartConfig: Record<string, string> = {
    netdata: "/etc/netdata/netdata.conf",
    "node-exporter": "/etc/default/prometheus-node-exporter",
    fail2ban: "/etc/fail2ban/jail.d/vigil-sshd.local",
    crowdsec: "/etc/crowdsec/config.yaml",
  };
  for (const step of nodeSteps(stack("prod"), "app-1")) {
    const config = firstStartConfig[step.id];
    if (config === undefined) continue;
    assert.ok(step.files.some((f) => f.path === config), `${step.id} places ${config}`);
    assert.match(step.run ?? "", /apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef/, step.id);
    // installs only what is missing: a config change never upgrades a package
    assert.match(step.run ?? "", /^if ! \(\nfor p in /m, step.id);
  }
});
