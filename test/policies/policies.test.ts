// Every policy, compliant and violating: through the graph the Pulumi program plans for a spec
// (stacks/prod.yaml with edits) and through hand-built resources. Each violation must name the
// field or rule to fix.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Policies, PolicyPackArgs, PolicyPackConfig } from "@pulumi/policy";
import { cloudAlertsReachSomeone } from "../../policies/cloud-alerts-reach-someone.ts";
import { enforcementLevel } from "../../policies/evaluate.ts";
import { criticalAlertsPage } from "../../policies/critical-alerts-page.ts";
import { dropletBackupsEnabled } from "../../policies/droplet-backups-enabled.ts";
import { dropletMonitoringEnabled } from "../../policies/droplet-monitoring-enabled.ts";
import { dropletsBehindFirewall } from "../../policies/droplets-behind-firewall.ts";
import { heartbeatReceiverSet } from "../../policies/heartbeat-receiver-set.ts";
import { hostThresholdsBounded } from "../../policies/host-thresholds-bounded.ts";
import { httpChecksHaveSlo } from "../../policies/http-checks-have-slo.ts";
import { metricsPortsNotPublic } from "../../policies/metrics-ports-not-public.ts";
import { nodeHostsIntrusionProtected } from "../../policies/node-hosts-intrusion-protected.ts";
import { nodeHostsScrapedByHub } from "../../policies/node-hosts-scraped-by-hub.ts";
import { vigilPolicies } from "../../policies/pack.ts";
import { sloObjectiveAndWindow } from "../../policies/slo-objective-and-window.ts";
import { sshNotOpenToWorld } from "../../policies/ssh-not-open-to-world.ts";
import { droplet, firewall, messages, runPolicy, runPolicyOnSpec, specResource, stackSpec, vpc } from "./fixtures.ts";

const prod = stackSpec("prod");

describe("the pack", () => {
  it("is what @pulumi/policy's PolicyPack takes (checked by `npm run typecheck` against its real types)", () => {
    const args: PolicyPackArgs = { policies: vigilPolicies satisfies Policies, enforcementLevel: "advisory" };
    const kinds = args.policies.map((p) => ("validateStack" in p ? "stack" : "resource"));
    assert.deepEqual(kinds.filter((k) => k === "resource").length, 3, "ssh-not-open-to-world, droplet monitoring, droplet backups");
  });

  it("has thirteen uniquely named policies, each with a description, remediation steps and an advisory default", () => {
    assert.equal(vigilPolicies.length, 13);
    assert.equal(new Set(vigilPolicies.map((p) => p.name)).size, vigilPolicies.length);
    for (const p of vigilPolicies) {
      assert.match(p.name, /^[a-z0-9-]+$/);
      assert.ok(p.description.length > 20, p.name);
      assert.ok(p.remediationSteps.length > 20, p.name);
      assert.equal(p.enforcementLevel, "advisory", `${p.name}: prod.json, not the code, makes it mandatory`);
      assert.ok(!("enforcementLevel" in p.configSchema.properties), `${p.name}: CrossGuard rejects enforcementLevel in configSchema`);
    }
  });

  it("stacks/prod.yaml violates none of them, even all at mandatory", async () => {
    for (const policy of vigilPolicies) assert.deepEqual(messages(await runPolicyOnSpec(policy, prod)), [], policy.name);
  });
});

describe("ssh-not-open-to-world", () => {
  it("passes a firewall that opens SSH to one address and another port to the world", async () => {
    const fw = firewall("base", [
      { protocol: "tcp", portRange: "22", sourceAddresses: ["203.0.113.10/32"] },
      { protocol: "tcp", portRange: "443", sourceAddresses: ["0.0.0.0/0", "::/0"] },
      { protocol: "icmp", sourceAddresses: ["0.0.0.0/0"] },
    ]);
    assert.deepEqual(await runPolicy(sshNotOpenToWorld, [fw]), []);
  });

  it("flags SSH to 0.0.0.0/0, to ::/0 and inside an all-ports rule, naming access.sshAllowFrom", async () => {
    const fw = firewall("base", [
      { protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0", "203.0.113.10/32"] },
      { protocol: "tcp", portRange: "1-65535", sourceAddresses: ["::/0"] },
      { protocol: "udp", portRange: "22", sourceAddresses: ["10.0.0.0/16"] },
    ]);
    const found = messages(await runPolicy(sshNotOpenToWorld, [fw]));
    assert.equal(found.length, 2);
    assert.match(found[0]!, /inboundRules\[0\] opens tcp port 22 \(SSH\) to 0\.0\.0\.0\/0.*access\.sshAllowFrom/);
    assert.match(found[1]!, /inboundRules\[1\] opens tcp port 22 \(SSH\) to ::\/0/);
  });

  it("blocks a spec whose sshAllowFrom is a quarter of the internet (the program only refuses /0)", async () => {
    const spec = stackSpec("prod", [[["access", "sshAllowFrom"], ["0.0.0.0/2"]]]);
    const found = messages(await runPolicyOnSpec(sshNotOpenToWorld, spec));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /to 0\.0\.0\.0\/2.*set access\.sshAllowFrom/);
  });

  it("follows its configured minimum prefix", async () => {
    const fw = firewall("base", [{ protocol: "tcp", portRange: "22", sourceAddresses: ["198.51.100.0/22"] }]);
    assert.deepEqual(await runPolicy(sshNotOpenToWorld, [fw]), []);
    assert.equal((await runPolicy(sshNotOpenToWorld, [fw], { ipv4MinPrefix: 24 })).length, 1);
  });
});

describe("droplets-behind-firewall", () => {
  it("passes prod's droplets, tagged with the base firewall's tag, and droplets a firewall lists by id", async () => {
    assert.deepEqual(await runPolicyOnSpec(dropletsBehindFirewall, prod), []);
    const byId = { ...firewall("fw", []), inputs: { name: "fw", dropletIds: [123] } };
    assert.deepEqual(await runPolicy(dropletsBehindFirewall, [byId, droplet("a", { tags: [] })]), []);
  });

  it("flags a droplet no firewall applies to, naming the tags that would cover it", async () => {
    const fw = { ...firewall("fw", []), inputs: { name: "fw", tags: ["dcg-prod"] } };
    const found = messages(await runPolicy(dropletsBehindFirewall, [fw, droplet("stray", { tags: ["dcg"] }), droplet("ok", { tags: ["dcg-prod"] })]));
    assert.deepEqual(found, [
      'droplet stray (tags: dcg) is behind no firewall, so SSH and every port are open to the internet: tag it with "dcg-prod" or add it to a firewall\'s dropletIds',
    ]);
    const none = messages(await runPolicy(dropletsBehindFirewall, [droplet("alone", {})]));
    assert.match(none[0]!, /^droplet alone is behind no firewall \(the stack has none\)/);
  });
});

describe("metrics-ports-not-public", () => {
  const inVpc = vpc("vpc", "10.20.0.0/24");

  it("passes metrics ports open to the VPC range, a subnet of it, and stack droplets/tags", async () => {
    const fw = firewall("base", [
      { protocol: "tcp", portRange: "9100", sourceAddresses: ["10.20.0.0/24"] },
      { protocol: "tcp", portRange: "9090-9094", sourceAddresses: ["10.20.0.16/28"], sourceTags: ["dcg-prod"] },
      { protocol: "tcp", portRange: "19999", sourceDropletIds: [100001] },
    ]);
    assert.deepEqual(await runPolicy(metricsPortsNotPublic, [inVpc, fw]), []);
  });

  it("flags each rule reaching a metrics port from outside the VPC, naming port and source", async () => {
    const fw = firewall("base", [
      { protocol: "tcp", portRange: "9100", sourceAddresses: ["10.20.0.0/24", "203.0.113.7/32"] },
      { protocol: "tcp", portRange: "9000-9200", sourceAddresses: ["10.20.0.0/16"] },
      { protocol: "tcp", sourceAddresses: ["::/0"] },
    ]);
    const found = messages(await runPolicy(metricsPortsNotPublic, [inVpc, fw]));
    assert.equal(found.length, 3);
    assert.match(found[0]!, /inboundRules\[0\] opens tcp 9100 \(node_exporter\) to 203\.0\.113\.7\/32, outside 10\.20\.0\.0\/24: remove the rule or limit its sources to the VPC/);
    assert.match(found[1]!, /inboundRules\[1\] opens tcp 9100 \(node_exporter\), 9090 \(Prometheus\), 9093 \(Alertmanager\), 9094 \(Alertmanager cluster gossip\), 9115 \(blackbox exporter\) to 10\.20\.0\.0\/16, outside 10\.20\.0\.0\/24/);
    assert.match(found[2]!, /inboundRules\[2\] opens tcp .*19999 \(Netdata\), 3903 \(mtail\) to ::\/0/);
  });

  it("passes the firewalls the program plans for prod (metrics from vpc.ipRange only)", async () => {
    assert.deepEqual(await runPolicyOnSpec(metricsPortsNotPublic, prod), []);
  });

  it("fails a prod spec whose application metrics port is reachable from outside the VPC", async () => {
    // 443 is open to the world on node hosts (the web firewall): a scrape target there is public.
    const exposed = stackSpec("prod", [[["hosts", 0, "scrape"], [{ name: "dcg-api", port: 443, scheme: "https" }]]]);
    const found = messages(await runPolicyOnSpec(metricsPortsNotPublic, exposed));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0]!, /opens tcp 443 to 0\.0\.0\.0\/0, ::\/0, outside 10\.20\.0\.0\/24/);
    // prod's own targets (9464, 9465) are opened to the VPC only
    assert.ok(prod.hosts[0]!.scrape.length > 0);
  });

  it("checks the configured ports only", async () => {
    const fw = firewall("base", [{ protocol: "tcp", portRange: "8080", sourceAddresses: ["0.0.0.0/0"] }]);
    assert.deepEqual(await runPolicy(metricsPortsNotPublic, [inVpc, fw]), []);
    assert.match(messages(await runPolicy(metricsPortsNotPublic, [inVpc, fw], { ports: [8080] }))[0]!, /opens tcp 8080 to 0\.0\.0\.0\/0/);
  });
});

describe("droplet-monitoring-enabled", () => {
  it("passes a droplet with monitoring: true and the droplets planned for prod", async () => {
    assert.deepEqual(await runPolicy(dropletMonitoringEnabled, [droplet("app-1", { monitoring: true })]), []);
    assert.deepEqual(await runPolicyOnSpec(dropletMonitoringEnabled, prod), []);
  });

  it("flags monitoring off or unset, naming monitoring: true", async () => {
    const found = messages(await runPolicy(dropletMonitoringEnabled, [droplet("app-1", { monitoring: false }), droplet("app-2", {})]));
    assert.deepEqual(found, [
      "droplet app-1 has monitoring off: set monitoring: true, or DigitalOcean monitor alerts for it never fire",
      "droplet app-2 has monitoring unset: set monitoring: true, or DigitalOcean monitor alerts for it never fire",
    ]);
  });
});

describe("droplet-backups-enabled", () => {
  it("passes prod's droplets (backups: true on both hosts)", async () => {
    assert.deepEqual(await runPolicyOnSpec(dropletBackupsEnabled, prod), []);
  });

  it("flags a host without backups, naming backups: true", async () => {
    const spec = stackSpec("prod", [[["hosts", 1, "backups"], false]]);
    const found = await runPolicyOnSpec(dropletBackupsEnabled, spec);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.resource, "dcg-prod-monitor");
    assert.match(found[0]!.message, /droplet dcg-prod-monitor has no backups: set backups: true/);
    assert.equal((await runPolicy(dropletBackupsEnabled, [droplet("x", { backups: false })])).length, 1);
  });
});

describe("node-hosts-intrusion-protected", () => {
  it("passes with either fail2ban or CrowdSec", async () => {
    for (const off of ["fail2ban", "crowdsec"]) {
      assert.deepEqual(await runPolicyOnSpec(nodeHostsIntrusionProtected, stackSpec("prod", [[["stack", off, "enabled"], false]])), [], off);
    }
  });

  it("flags node hosts with neither, naming both switches", async () => {
    const spec = stackSpec("prod", [
      [["stack", "fail2ban", "enabled"], false],
      [["stack", "crowdsec", "enabled"], false],
    ]);
    const found = await runPolicyOnSpec(nodeHostsIntrusionProtected, spec);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.type, "vigil:index:Spec");
    assert.equal(found[0]!.message, "node host app-1 runs neither fail2ban nor CrowdSec: set stack.fail2ban.enabled or stack.crowdsec.enabled to true");
  });

  it("is not applicable to a stack without the spec component", async () => {
    assert.deepEqual(await runPolicy(nodeHostsIntrusionProtected, [droplet("a", { monitoring: true })]), []);
  });
});

describe("critical-alerts-page", () => {
  it("passes prod (critical → oncall (pagerduty), ops)", async () => {
    assert.deepEqual(await runPolicyOnSpec(criticalAlertsPage, prod), []);
  });

  it("passes when a continue route before the paging one passes critical alerts on", async () => {
    const spec = stackSpec("prod", [
      [["alerts", "routes"], [
        { to: ["ops"], continue: true },
        { severity: "critical", to: ["oncall"] },
        { severity: "warning", to: ["ops"] },
      ]],
    ]);
    assert.deepEqual(await runPolicyOnSpec(criticalAlertsPage, spec), []);
  });

  it("flags critical alerts that reach only Slack, naming the route and the paging receiver to add", async () => {
    const spec = stackSpec("prod", [[["alerts", "routes", 0, "to"], ["ops"]]]);
    const found = messages(await runPolicyOnSpec(criticalAlertsPage, spec));
    assert.deepEqual(found, ['critical alerts go to ops (alerts.routes[0]), none of which pages: add "oncall" to its receivers in alerts.routes[0]']);
  });

  it("flags a catch-all warning route that swallows critical alerts, and a narrowed critical route without paging", async () => {
    const spec = stackSpec("prod", [
      [["alerts", "routes"], [
        { severity: "critical", match: { alertname: "HostDown" }, to: ["ops"] },
        { to: ["ops"] },
        { severity: "critical", to: ["oncall"] },
      ]],
    ]);
    const found = messages(await runPolicyOnSpec(criticalAlertsPage, spec));
    assert.equal(found.length, 2);
    assert.match(found[0]!, /critical alerts go to ops \(alerts\.routes\[1\]\), none of which pages/);
    assert.match(found[1]!, /alerts\.routes\[0\] takes critical alerts with alertname=HostDown to ops, none of which pages: add "oncall".*or set continue: true/);
  });

  it("without any pagerduty receiver, says how to define one (dev)", async () => {
    const found = messages(await runPolicyOnSpec(criticalAlertsPage, stackSpec("dev")));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /define a pagerduty receiver \(e\.g\. oncall: \{ pagerduty: /);
  });

  it("accepts other paging kinds when configured", async () => {
    assert.deepEqual(await runPolicyOnSpec(criticalAlertsPage, stackSpec("dev"), { pagingKinds: ["pagerduty", "slack"] }), []);
  });
});

describe("http-checks-have-slo", () => {
  it("passes prod (api and web have SLOs) and ignores tcp checks", async () => {
    const spec = stackSpec("prod", [[["uptime", 2], { name: "sip", tcp: "sip.example.com:5060" }]]);
    assert.deepEqual(await runPolicyOnSpec(httpChecksHaveSlo, spec), []);
  });

  it("flags an https check without SLO and writes the SLO to add", async () => {
    const spec = stackSpec("prod", [[["slos"], [{ name: "api-availability", uptime: "api", objective: 99.9 }]]]);
    const found = messages(await runPolicyOnSpec(httpChecksHaveSlo, spec));
    assert.deepEqual(found, [
      'uptime[1] "web" (https://dcg.example.com/) has no SLO: add to slos { name: web-availability, uptime: web, objective: 99.9, window: 30d }',
    ]);
  });
});

describe("slo-objective-and-window", () => {
  it("flags 99.999 and 85, naming the allowed range", async () => {
    const spec = stackSpec("prod", [
      [["slos", 0, "objective"], 99.999],
      [["slos", 2, "objective"], 85],
    ]);
    const found = messages(await runPolicyOnSpec(sloObjectiveAndWindow, spec));
    assert.deepEqual(found, [
      'slos[0] "api-availability" objective 99.999% leaves almost no error budget: set slos[0].objective between 90 and 99.99',
      'slos[2] "web-availability" objective 85% is too loose to alert on: set slos[2].objective between 90 and 99.99',
    ]);
  });

  it("flags a window outside the configured windows", async () => {
    const found = messages(await runPolicyOnSpec(sloObjectiveAndWindow, prod, { maxWindow: "28d" }));
    assert.equal(found.length, 3);
    assert.match(found[0]!, /slos\[0\] "api-availability" window 30d is outside what the burn-rate alerts support: set slos\[0\]\.window between 1d and 28d/);
  });

  it("reads a hand-built spec component too (windows the schema would refuse)", async () => {
    const spec = structuredClone(prod);
    spec.slos[0]!.window = "180d";
    const found = messages(await runPolicy(sloObjectiveAndWindow, [specResource(spec)]));
    assert.deepEqual(found, ['slos[0] "api-availability" window 180d is outside what the burn-rate alerts support: set slos[0].window between 1d and 90d']);
  });
});

describe("host-thresholds-bounded", () => {
  it("flags critical cpu above 95 and a `for` outside 1m..30m, naming the field and bound", async () => {
    const spec = stackSpec("prod", [
      [["thresholds", "cpu", "critical"], 99],
      [["thresholds", "disk", "for"], "2h"],
      [["thresholds", "memory", "for"], "30s"],
    ]);
    const found = messages(await runPolicyOnSpec(hostThresholdsBounded, spec));
    assert.deepEqual(found, [
      "thresholds.cpu.critical is 99, above the allowed 95: lower thresholds.cpu.critical to at most 95",
      "thresholds.memory.for is 30s: set thresholds.memory.for between 1m and 30m",
      "thresholds.disk.for is 2h: set thresholds.disk.for between 1m and 30m",
    ]);
  });

  it("uses the environment's bounds from config", async () => {
    const spec = stackSpec("prod", [[["thresholds", "disk", "critical"], 96]]);
    assert.equal((await runPolicyOnSpec(hostThresholdsBounded, spec)).length, 1);
    assert.deepEqual(await runPolicyOnSpec(hostThresholdsBounded, spec, { diskCriticalMax: 97 }), []);
  });
});

describe("node-hosts-scraped-by-hub", () => {
  it("passes a single droplet holding both roles (dev)", async () => {
    assert.deepEqual(await runPolicyOnSpec(nodeHostsScrapedByHub, stackSpec("dev")), []);
  });

  it("flags node hosts when no host has the hub role, naming the role to add", async () => {
    const spec = stackSpec("prod", [[["hosts", 1], undefined]]);
    const found = messages(await runPolicyOnSpec(nodeHostsScrapedByHub, spec));
    assert.deepEqual(found, ['no host has the hub role, so nothing scrapes node host app-1: add "hub" to the roles of a host (e.g. a monitor droplet with roles: [hub])']);
  });

  it("flags node_exporter turned off", async () => {
    const spec = stackSpec("prod", [
      [["stack", "nodeExporter", "enabled"], false],
      // The agent and heartbeats publish through node_exporter's textfile collector: they go too.
      [["hosts", 0, "agent"], undefined],
      [["heartbeats"], undefined],
    ]);
    const found = messages(await runPolicyOnSpec(nodeHostsScrapedByHub, spec));
    assert.deepEqual(found, ["stack.nodeExporter.enabled is false, so the hub has nothing to scrape on node host app-1: set stack.nodeExporter.enabled to true"]);
  });
});

describe("heartbeat-receiver-set", () => {
  it("passes prod and flags dev, naming alerts.heartbeat", async () => {
    assert.deepEqual(await runPolicyOnSpec(heartbeatReceiverSet, prod), []);
    const found = messages(await runPolicyOnSpec(heartbeatReceiverSet, stackSpec("dev")));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^alerts\.heartbeat is not set/);
  });
});

describe("cloud-alerts-reach-someone", () => {
  it("passes prod (cloudAlerts) and dev (its critical route goes to Slack)", async () => {
    assert.deepEqual(await runPolicyOnSpec(cloudAlertsReachSomeone, prod), []);
    assert.deepEqual(await runPolicyOnSpec(cloudAlertsReachSomeone, stackSpec("dev")), []);
  });

  it("flags cloudAlerts that name nobody, naming cloudAlerts.emails and the watched checks and droplets", async () => {
    const nobody = stackSpec("prod", [[["cloudAlerts"], { emails: [], slack: "none" }]]);
    const found = messages(await runPolicyOnSpec(cloudAlertsReachSomeone, nobody));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /^DigitalOcean alerts for 3 DigitalOcean uptime checks and 2 droplets notify nobody \(cloudAlerts lists no e-mail address and slack is none\)/);
    assert.match(found[0]!, /set cloudAlerts\.emails/);
  });

  it("flags a spec whose critical alerts go only to PagerDuty, even with an info-only mail receiver", async () => {
    const pagerOnly = stackSpec("prod", [
      [["cloudAlerts"], undefined],
      [["alerts", "routes", 0], { severity: "critical", to: ["oncall"] }],
    ]);
    const found = messages(await runPolicyOnSpec(cloudAlertsReachSomeone, pagerOnly));
    assert.equal(found.length, 1);
    assert.match(found[0]!, /no cloudAlerts, and the receivers critical alerts are routed to include no e-mail or Slack receiver/);
  });

  it("is mandatory in prod and advisory in dev", () => {
    const levels = (env: string) => JSON.parse(readFileSync(`policies/config/${env}.json`, "utf8")) as Record<string, unknown>;
    assert.equal(enforcementLevel(levels("prod") as PolicyPackConfig, cloudAlertsReachSomeone), "mandatory");
    assert.equal(enforcementLevel(levels("dev") as PolicyPackConfig, cloudAlertsReachSomeone), "advisory");
  });
});
