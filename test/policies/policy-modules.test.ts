// The policies' pure helpers on their own: which ports a DigitalOcean inbound rule opens, how the
// spec component is found in a stack, how names are listed in messages, and the policy-config
// checker's refusals. The policies built on them are tested through whole graphs in
// policies.test.ts; here every branch of the helpers is pinned with real values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Droplet, Firewall } from "@pulumi/digitalocean";
import { validateResourceOfType, type Policies, type PolicyResource, type StackValidationArgs } from "@pulumi/policy";
import { evaluatePolicies, policyConfig } from "../../policies/evaluate.ts";
import { allows, openedPorts, portInterval, type InboundRule } from "../../policies/firewall-rules.ts";
import { vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig, parsePolicyConfig } from "../../policies/policy-config.ts";
import { hubHostNames, listing, nodeHostNames, SPEC_RESOURCE_TYPE, specOfStack } from "../../policies/spec-resource.ts";
import { cloudAlertsReachSomeone } from "../../policies/cloud-alerts-reach-someone.ts";
import { metricsPortsNotPublic } from "../../policies/metrics-ports-not-public.ts";
import { sshNotOpenToWorld } from "../../policies/ssh-not-open-to-world.ts";
import { hostThresholdsBounded } from "../../policies/host-thresholds-bounded.ts";
import { nodeHostsIntrusionProtected } from "../../policies/node-hosts-intrusion-protected.ts";
import { nodeHostsScrapedByHub } from "../../policies/node-hosts-scraped-by-hub.ts";
import { sloObjectiveAndWindow } from "../../policies/slo-objective-and-window.ts";
import { dropletsBehindFirewall } from "../../policies/droplets-behind-firewall.ts";
import { criticalAlertsPage } from "../../policies/critical-alerts-page.ts";
import { DROPLET, droplet, FIREWALL, firewall, messages, resource, runPolicy, specResource, stackSpec, vpc } from "./fixtures.ts";

const rule = (protocol: string, portRange?: string, action?: string): InboundRule => ({ protocol, ...(portRange === undefined ? {} : { portRange }), ...(action ? { action } : {}) });

describe("firewall rules: the ports an inbound rule opens", () => {
  it("tcp and udp in any case; other protocols open no port", () => {
    assert.deepEqual(portInterval(rule("tcp", "22")), [22, 22]);
    assert.deepEqual(portInterval(rule("UDP", "53")), [53, 53]);
    assert.deepEqual(portInterval(rule("Tcp", "9090-9100")), [9090, 9100]);
    assert.equal(portInterval(rule("icmp")), undefined);
    assert.equal(portInterval(rule("icmp", "22")), undefined);
  });

  it("no range, all (any case, spaces around), 0 and an empty range mean every port; so does an unreadable one", () => {
    for (const range of [undefined, "all", " ALL ", "0", "", "  ", "22,80", "x-9", "22-", "-22", "22 - 80"]) {
      assert.deepEqual(portInterval(rule("tcp", range)), [1, 65535], JSON.stringify(range));
    }
    assert.deepEqual(portInterval(rule("tcp", " 8080 ")), [8080, 8080]);
    assert.deepEqual(portInterval(rule("tcp", "1-65535")), [1, 65535]);
  });

  it("a rule allows unless its action is deny (any case); only allowing rules open ports", () => {
    assert.equal(allows(rule("tcp", "22")), true);
    assert.equal(allows(rule("tcp", "22", "allow")), true);
    assert.equal(allows(rule("tcp", "22", "deny")), false);
    assert.equal(allows(rule("tcp", "22", "DENY")), false);
    assert.deepEqual(openedPorts(rule("tcp", "9090-9100"), [22, 9090, 9093, 9100, 9101]), [9090, 9093, 9100]);
    assert.deepEqual(openedPorts(rule("tcp", "9090-9100", "Deny"), [9093]), []);
    assert.deepEqual(openedPorts(rule("icmp"), [9093]), []);
    assert.deepEqual(openedPorts(rule("udp"), [1, 65535]), [1, 65535]);
  });
});

describe("spec-resource: the spec component of a stack", () => {
  const spec = stackSpec("prod");
  const args = (resources: Partial<PolicyResource>[]) =>
    ({
      resources,
      notApplicable: (reason?: string): never => {
        throw new Error(`not applicable: ${reason}`);
      },
    }) as unknown as StackValidationArgs;
  const component = (props: Record<string, unknown>) => ({ type: SPEC_RESOURCE_TYPE, urn: "urn:pulumi:s::p::vigil:index:Spec::prod", name: "prod", props });

  it("reads the spec under `spec` or as the component's own properties", () => {
    const under = specOfStack(args([{ type: "digitalocean:index/vpc:Vpc", urn: "u1", props: { spec } }, component({ spec })]));
    assert.equal(under.spec, spec);
    assert.equal(under.urn, "urn:pulumi:s::p::vigil:index:Spec::prod");
    assert.equal(under.resource.name, "prod");
    assert.equal(specOfStack(args([component(spec as unknown as Record<string, unknown>)])).spec, spec);
  });

  it("is not applicable without the component, or when it holds no spec (hosts a list and alerts a mapping)", () => {
    const reason = `not applicable: the stack has no ${SPEC_RESOURCE_TYPE} component holding the vigil spec`;
    assert.throws(() => specOfStack(args([])), { message: reason });
    assert.throws(() => specOfStack(args([{ type: "digitalocean:index/vpc:Vpc", urn: "u1", props: { spec } }])), { message: reason });
    for (const props of [{}, { spec: null }, { spec: "text" }, { spec: { hosts: {}, alerts: {} } }, { spec: { hosts: [], alerts: "x" } }, { spec: { hosts: [] } }, { hosts: [], alerts: 1 }]) {
      assert.throws(() => specOfStack(args([component(props)])), { message: reason }, JSON.stringify(props));
    }
    assert.deepEqual(specOfStack(args([component({ spec: { hosts: [], alerts: {} } })])).spec, { hosts: [], alerts: {} });
  });

  it("node and hub host names in spec order; listings read `a`, `a and b`, `a, b and c`", () => {
    assert.deepEqual(nodeHostNames(spec), spec.hosts.filter((h) => h.roles.includes("node")).map((h) => h.name));
    assert.ok(nodeHostNames(spec).length > 0 && hubHostNames(spec).length > 0);
    assert.deepEqual(hubHostNames(spec), spec.hosts.filter((h) => h.roles.includes("hub")).map((h) => h.name));
    assert.equal(listing([]), "");
    assert.equal(listing(["a"]), "a");
    assert.equal(listing(["a", "b"]), "a and b");
    assert.equal(listing(["a", "b", "c"]), "a, b and c");
  });
});

describe("policy-config: what the checker refuses, named", () => {
  const errors = (data: unknown) => {
    const r = parsePolicyConfig(JSON.stringify(data), "c.json", vigilPolicies);
    return r.ok ? [] : r.errors;
  };
  const shape = 'c.json: must be a JSON object of policy names, like { "ssh-not-open-to-world": "mandatory" }';

  it("a document that is not an object of policy names", () => {
    for (const data of [null, [], ["ssh-not-open-to-world"], "mandatory", 3]) assert.deepEqual(errors(data), [shape], JSON.stringify(data));
    assert.deepEqual(errors({}), []);
  });

  it("entries: a level, or an object with an optional level and the policy's settings; all takes no settings", () => {
    assert.deepEqual(errors({ all: "mandatory", "ssh-not-open-to-world": { enforcementLevel: "advisory" }, "droplet-backups-enabled": {} }), []);
    const entry = (name: string) => `c.json: ${name}: must be an enforcement level or an object with enforcementLevel and the policy's settings`;
    assert.deepEqual(errors({ "ssh-not-open-to-world": null, "droplet-backups-enabled": ["mandatory"], all: 1 }), [entry("ssh-not-open-to-world"), entry("droplet-backups-enabled"), entry("all")]);
    assert.deepEqual(errors({ all: { enforcementLevel: "mandatory", minPrefix: 8 } }), ['c.json: all: unknown setting "minPrefix" (this policy has no settings)']);
    assert.deepEqual(errors({ "droplet-backups-enabled": { forMax: "5m" } }), ['c.json: droplet-backups-enabled: unknown setting "forMax" (this policy has no settings)']);
    assert.deepEqual(errors({ "ssh-not-open-to-world": { enforcementLevel: 1 } }), ["c.json: ssh-not-open-to-world.enforcementLevel must be one of advisory, mandatory, remediate, disabled (got 1)"]);
  });

  it("a setting of the wrong type names its path", () => {
    const ssh = vigilPolicies.find((p) => p.name === "ssh-not-open-to-world")!;
    const setting = Object.keys(ssh.configSchema.properties)[0]!;
    const found = errors({ "ssh-not-open-to-world": { [setting]: "not a number" } });
    assert.equal(found.length, 1);
    assert.match(found[0]!, new RegExp(`^c\\.json: ssh-not-open-to-world\\.${setting}: must be `));
  });

  it("reads a file; a missing one is named", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-policy-modules-"));
    try {
      const file = join(dir, "p.json");
      writeFileSync(file, '{ "all": "disabled" }');
      assert.deepEqual(loadPolicyConfig(file, vigilPolicies), { ok: true, config: { all: "disabled" } });
      assert.deepEqual(loadPolicyConfig(join(dir, "none.json"), vigilPolicies), { ok: false, errors: [`${join(dir, "none.json")}: cannot read policy config: no such file`] });
      assert.deepEqual(loadPolicyConfig(dir, vigilPolicies), { ok: false, errors: [`${dir}: cannot read policy config: EISDIR`] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("evaluate: vigil check's analyzer, with policies written for the test", () => {
  const base = { description: "a policy written for this test", enforcementLevel: "advisory" as const };

  it("a resource policy of one type runs only on that type, sees the inputs as the engine sends them, and its settings without the level", async () => {
    const seen: string[] = [];
    const policies: Policies = [
      {
        ...base,
        name: "droplets-only",
        validateResource: validateResourceOfType(Droplet, (d, args, report) => {
          seen.push(`${args.type} ${args.name} ${JSON.stringify(args.props)} ${JSON.stringify(args.getConfig())}`);
          assert.equal(args.isType(Droplet), true);
          assert.equal(args.isType(Firewall), false);
          assert.equal(args.asType(Firewall), undefined);
          report(`droplet ${d.name}`);
        }),
      },
    ];
    const resources = [firewall("fw", []), { ...droplet("app-1", { monitoring: undefined, tags: ["a"] }) }];
    const found = await evaluatePolicies(policies, resources, { "droplets-only": { enforcementLevel: "mandatory", limit: 3 } });
    assert.deepEqual(found, [{ policy: "droplets-only", level: "mandatory", urn: resources[1]!.urn, resource: "app-1", type: DROPLET, message: "droplet app-1" }]);
    assert.deepEqual(seen, [`${DROPLET} app-1 {"name":"app-1","image":"debian-12-x64","region":"fra1","size":"s-1vcpu-1gb","tags":["a"]} {"limit":3}`]);
  });

  it("several validations in one policy each run on every resource; remediate reports as mandatory; disabled runs nothing", async () => {
    const calls: string[] = [];
    const policy = {
      ...base,
      name: "two-checks",
      validateResource: [
        (args: { name: string }, report: (m: string) => void) => void (calls.push(`a ${args.name}`), report(`a ${args.name}`)),
        (args: { name: string }) => void calls.push(`b ${args.name}`),
      ],
    };
    const resources = [firewall("fw", []), droplet("app-1", {})];
    const found = await evaluatePolicies([policy] as unknown as Policies, resources, { all: "remediate" });
    assert.deepEqual(calls, ["a fw", "b fw", "a app-1", "b app-1"]);
    assert.deepEqual(found.map((v) => `${v.level} ${v.type} ${v.message}`), [`mandatory ${FIREWALL} a fw`, `mandatory ${DROPLET} a app-1`]);
    calls.length = 0;
    assert.deepEqual(await evaluatePolicies([policy] as unknown as Policies, resources, { "two-checks": "disabled", all: "mandatory" }), []);
    assert.deepEqual(calls, []);
  });

  it("a stack policy reports about a resource by URN, an unknown URN as itself, none as the stack; notApplicable is silent; other errors propagate", async () => {
    const resources = [droplet("app-1", {})];
    const stack = (name: string, body: (args: StackValidationArgs, report: (m: string, urn?: string) => void) => void) => ({ ...base, name, validateStack: body });
    const found = await evaluatePolicies(
      [
        stack("about", (args, report) => {
          assert.deepEqual(args.getConfig(), {});
          assert.equal(args.resources[0]!.isType(Droplet), true);
          assert.deepEqual(args.resources[0]!.asType(Droplet)?.name, "app-1");
          assert.equal(args.resources[0]!.asType(Firewall), undefined);
          assert.deepEqual(args.resources[0]!.dependencies, []);
          report("on the droplet", resources[0]!.urn);
          report("on something else", "urn:pulumi:test::vigil::x::y");
          report("on the stack");
        }),
        stack("not-here", (args) => args.notApplicable("nothing to check")),
        stack("not-here-either", (args) => args.notApplicable()),
      ] as unknown as Policies,
      resources,
      { about: "advisory" },
    );
    assert.deepEqual(
      found.map((v) => [v.level, v.urn, v.resource, v.type, v.message]),
      [
        ["advisory", resources[0]!.urn, "app-1", DROPLET, "on the droplet"],
        ["advisory", "urn:pulumi:test::vigil::x::y", "urn:pulumi:test::vigil::x::y", "", "on something else"],
        ["advisory", undefined, "(stack)", "", "on the stack"],
      ],
    );
    await assert.rejects(evaluatePolicies([stack("broken", () => { throw new TypeError("a bug in a policy"); })] as unknown as Policies, resources), { message: "a bug in a policy" });
    await assert.rejects(
      evaluatePolicies([{ ...base, name: "broken-resource", validateResource: () => { throw new RangeError("a bug in a resource policy"); } }] as unknown as Policies, resources),
      { message: "a bug in a resource policy" },
    );
  });

  it("policyConfig: the settings of an object entry without its level; nothing for a level or no entry", () => {
    assert.deepEqual(policyConfig({ p: { enforcementLevel: "mandatory", port: 2222 } }, "p"), { port: 2222 });
    assert.deepEqual(policyConfig({ p: "mandatory" }, "p"), {});
    assert.deepEqual(policyConfig({}, "p"), {});
  });
});

describe("policies at their edges, over hand-built graphs", () => {
  const prod = stackSpec("prod");
  const noTargets = stackSpec("prod", [[["cloudAlerts"], { emails: [], slack: "none" }]]);
  const check = (name: string) => resource("digitalocean:index/uptimeCheck:UptimeCheck", name, { name });

  it("ssh-not-open-to-world: the prefix bound is exclusive, IPv6 has its own, an unreadable source is flagged as such, the resource name stands in for a missing firewall name", async () => {
    const fw = firewall("base", [{ protocol: "tcp", portRange: "22", sourceAddresses: ["10.0.0.0/8", "10.0.0.0/7", "2001:db8::/32", "2001:db8::/31", "not-an-address"] }]);
    const found = messages(await runPolicy(sshNotOpenToWorld, [fw]));
    assert.equal(found.length, 3, found.join("\n"));
    assert.match(found[0]!, /^firewall base inboundRules\[0\] opens tcp port 22 \(SSH\) to 10\.0\.0\.0\/7, most of the internet: set access\.sshAllowFrom/);
    assert.match(found[1]!, /to 2001:db8::\/31, most of the internet/);
    assert.match(found[2]!, /to not-an-address, an unreadable source: set access\.sshAllowFrom/);
    const unnamed = resource(FIREWALL, "fw-resource", { inboundRules: [{ protocol: "tcp", portRange: "22", sourceAddresses: ["0.0.0.0/0"] }] });
    assert.match(messages(await runPolicy(sshNotOpenToWorld, [unnamed]))[0]!, /^firewall fw-resource inboundRules\[0\]/);
    // A wider IPv6 bound in the config: /32 is now too wide, and the IPv4 bound is untouched.
    const strict = messages(await runPolicy(sshNotOpenToWorld, [fw], { ipv6MinPrefix: 48 }));
    assert.deepEqual(strict.map((m) => m.split(" to ")[1]!.split(",")[0]), ["10.0.0.0/7", "2001:db8::/32", "2001:db8::/31", "not-an-address"]);
  });

  it("metrics-ports-not-public: the spec's vpc.ipRange counts as the VPC without a Vpc resource; a source inside it passes, one outside is named with the range", async () => {
    const spec = stackSpec("prod");
    const range = spec.vpc?.ipRange;
    assert.ok(typeof range === "string", "stacks/prod.yaml sets vpc.ipRange");
    const inside = range.replace(/\/\d+$/, "/32");
    const fw = firewall("fw", [
      { protocol: "tcp", portRange: "9100", sourceAddresses: [inside] },
      { protocol: "tcp", portRange: "9100", sourceAddresses: ["198.51.100.7/32", inside] },
    ]);
    const found = messages(await runPolicy(metricsPortsNotPublic, [specResource(spec), fw]));
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0]!, new RegExp(`^firewall fw inboundRules\\[1\\] opens tcp .*9100.* to 198\\.51\\.100\\.7/32, outside ${range.replace(/\./g, "\\.")}: remove the rule`));
    // Without any VPC, everything is outside, and the message says there is none.
    const none = messages(await runPolicy(metricsPortsNotPublic, [firewall("fw", [{ protocol: "tcp", portRange: "9100", sourceAddresses: ["10.0.0.5/32"] }])]));
    assert.equal(none.length, 1);
    assert.match(none[0]!, /to 10\.0\.0\.5\/32, outside the VPC \(none in the stack\): /);
    // A Vpc resource's range counts; a resource of another type with an ipRange does not.
    const fake = resource("digitalocean:index/droplet:Droplet", "not-a-vpc", { ipRange: "10.0.0.0/8" });
    const withVpc = messages(await runPolicy(metricsPortsNotPublic, [vpc("v", "10.0.0.0/24"), fake, firewall("fw", [{ protocol: "tcp", portRange: "9100", sourceAddresses: ["10.0.0.5/32", "10.0.1.5/32"] }])]));
    assert.equal(withVpc.length, 1);
    assert.match(withVpc[0]!, /to 10\.0\.1\.5\/32, outside 10\.0\.0\.0\/24: /);
    // The name of the firewall resource stands in for a missing firewall name.
    const unnamed = resource(FIREWALL, "fw-resource", { inboundRules: [{ protocol: "tcp", portRange: "9100", sourceAddresses: ["0.0.0.0/0"] }] });
    assert.match(messages(await runPolicy(metricsPortsNotPublic, [unnamed]))[0]!, /^firewall fw-resource inboundRules\[0\]/);
  });

  it("cloud-alerts-reach-someone: nothing to say without checks or droplets; counts in the singular and plural; silent once anyone is told", async () => {
    assert.deepEqual(await runPolicy(cloudAlertsReachSomeone, [specResource(noTargets)]), []);
    const one = messages(await runPolicy(cloudAlertsReachSomeone, [specResource(noTargets), check("api")]));
    assert.equal(one.length, 1);
    assert.match(one[0]!, /^DigitalOcean alerts for 1 DigitalOcean uptime check notify nobody \(cloudAlerts lists no e-mail address and slack is none\)/);
    const many = messages(await runPolicy(cloudAlertsReachSomeone, [specResource(noTargets), check("api"), check("web"), droplet("app-1", {})]));
    assert.match(many[0]!, /^DigitalOcean alerts for 2 DigitalOcean uptime checks and 1 droplet notify nobody/);
    const drops = messages(await runPolicy(cloudAlertsReachSomeone, [specResource(noTargets), droplet("app-1", {}), droplet("app-2", {})]));
    assert.match(drops[0]!, /^DigitalOcean alerts for 2 droplets notify nobody/);
    assert.deepEqual(await runPolicy(cloudAlertsReachSomeone, [specResource(prod), check("api"), droplet("app-1", {})]), []);
  });
});

describe("policy bounds are inclusive, and messages name one host in the singular", () => {
  const prod = stackSpec("prod");
  const graph = [specResource(prod)];

  it("host-thresholds-bounded: a critical threshold or a `for` exactly at its bound passes; just past it is flagged", async () => {
    // stacks/prod.yaml: cpu 90 for 5m, memory 95 for 5m, disk 90 for 5m, load 5 for 10m.
    const exact = { cpuCriticalMax: 90, memoryCriticalMax: 95, diskCriticalMax: 90, loadCriticalMax: 5, forMin: "5m", forMax: "10m" };
    assert.deepEqual(messages(await runPolicy(hostThresholdsBounded, graph, exact)), []);
    assert.deepEqual(messages(await runPolicy(hostThresholdsBounded, graph, { ...exact, cpuCriticalMax: 89.9 })), [
      "thresholds.cpu.critical is 90, above the allowed 89.9: lower thresholds.cpu.critical to at most 89.9",
    ]);
    assert.deepEqual(messages(await runPolicy(hostThresholdsBounded, graph, { ...exact, forMax: "9m" })), ["thresholds.load.for is 10m: set thresholds.load.for between 5m and 9m"]);
    assert.deepEqual(
      messages(await runPolicy(hostThresholdsBounded, graph, { ...exact, forMin: "301s" })).map((m) => m.split(":")[0]),
      ["thresholds.cpu.for is 5m", "thresholds.memory.for is 5m", "thresholds.disk.for is 5m"],
    );
  });

  it("slo-objective-and-window: objectives at the bounds pass; above the top leaves no budget, below the bottom is too loose", async () => {
    // stacks/prod.yaml: api-availability 99.9, api-latency 99.
    assert.deepEqual(messages(await runPolicy(sloObjectiveAndWindow, graph, { minObjective: 99, maxObjective: 99.9 })), []);
    assert.deepEqual(messages(await runPolicy(sloObjectiveAndWindow, graph, { minObjective: 99, maxObjective: 99.5 })), [
      'slos[0] "api-availability" objective 99.9% leaves almost no error budget: set slos[0].objective between 99 and 99.5',
    ]);
    assert.deepEqual(messages(await runPolicy(sloObjectiveAndWindow, graph, { minObjective: 99.5, maxObjective: 99.9 })), [
      'slos[1] "api-latency" objective 99% is too loose to alert on: set slos[1].objective between 99.5 and 99.9',
    ]);
  });

  it("node-hosts-intrusion-protected and node-hosts-scraped-by-hub name prod's one node host in the singular", async () => {
    const bare = stackSpec("prod", [
      [["stack", "fail2ban", "enabled"], false],
      [["stack", "crowdsec", "enabled"], false],
    ]);
    assert.deepEqual(messages(await runPolicy(nodeHostsIntrusionProtected, [specResource(bare)])), [
      "node host app-1 runs neither fail2ban nor CrowdSec: set stack.fail2ban.enabled or stack.crowdsec.enabled to true",
    ]);
    // vigil validate refuses node_exporter off while the agent and heartbeats need it; the policy
    // reads whatever the component holds (a stack program other than vigil's may register it).
    const noExporter = { ...prod, stack: { ...prod.stack, nodeExporter: { enabled: false } } };
    assert.deepEqual(messages(await runPolicy(nodeHostsScrapedByHub, [specResource(noExporter)])), [
      "stack.nodeExporter.enabled is false, so the hub has nothing to scrape on node host app-1: set stack.nodeExporter.enabled to true",
    ]);
    assert.deepEqual(messages(await runPolicy(nodeHostsIntrusionProtected, graph)), []);
    assert.deepEqual(messages(await runPolicy(nodeHostsScrapedByHub, graph)), []);
  });

  it("droplets-behind-firewall: a firewall listing droplet ids covers every droplet; an empty list covers none; tags are listed", async () => {
    const tagged = firewall("fw", []);
    tagged.inputs.tags = ["web", 7];
    const untagged = droplet("app-1", { tags: ["db"] });
    assert.deepEqual(messages(await runPolicy(dropletsBehindFirewall, [tagged, untagged])), [
      'droplet app-1 (tags: db) is behind no firewall, so SSH and every port are open to the internet: tag it with "web" or add it to a firewall\'s dropletIds',
    ]);
    const emptyIds = firewall("ids", []);
    emptyIds.inputs.dropletIds = [];
    assert.equal(messages(await runPolicy(dropletsBehindFirewall, [emptyIds, untagged])).length, 1);
    const byId = firewall("ids", []);
    byId.inputs.dropletIds = [12345];
    assert.deepEqual(messages(await runPolicy(dropletsBehindFirewall, [byId, untagged])), []);
    const nameless = resource(DROPLET, "app-2", { image: "debian-12-x64", tags: "not-a-list" });
    assert.deepEqual(messages(await runPolicy(dropletsBehindFirewall, [firewall("plain", []), nameless])), [
      "droplet app-2 (tags: none) is behind no firewall, so SSH and every port are open to the internet: tag it with a firewall's tag or add it to a firewall's dropletIds",
    ]);
  });
});

describe("critical-alerts-page: routes that take critical alerts", () => {
  const withRoutes = (routes: unknown[]) => specResource(stackSpec("prod", [[["alerts", "routes"], routes]]));

  it("no route for critical alerts says so, with the paging receiver to use", async () => {
    assert.deepEqual(messages(await runPolicy(criticalAlertsPage, [withRoutes([{ severity: "warning", to: ["ops"] }, { severity: "info", to: ["mail"] }])])), [
      'no route in alerts.routes takes critical alerts: add { severity: critical, to: [...] } with a paging receiver (add "oncall" to its receivers)',
    ]);
  });

  it("a narrowed critical route passes when any of its receivers pages; an empty match is not narrowed; a continue route passes on", async () => {
    const routes = (first: Record<string, unknown>) => [first, { severity: "critical", to: ["oncall"] }, { to: ["ops"] }];
    assert.deepEqual(messages(await runPolicy(criticalAlertsPage, [withRoutes(routes({ severity: "critical", match: { alertname: "HostDown" }, to: ["ops", "oncall"] }))])), []);
    assert.deepEqual(messages(await runPolicy(criticalAlertsPage, [withRoutes(routes({ severity: "critical", match: { alertname: "HostDown" }, to: ["ops"], continue: true }))])), []);
    const flagged = messages(await runPolicy(criticalAlertsPage, [withRoutes(routes({ severity: "critical", match: { alertname: "HostDown", team: "web" }, to: ["ops", "mail"] }))]));
    assert.deepEqual(flagged, ['alerts.routes[0] takes critical alerts with alertname=HostDown, team=web to ops and mail, none of which pages: add "oncall" to its receivers, or set continue: true']);
  });

  it("a receiver name that is not defined never pages, whatever the config's kinds", async () => {
    const spec = stackSpec("prod");
    const ghost = { ...spec, alerts: { ...spec.alerts, routes: [{ severity: "critical", to: ["ghost"] }] } };
    assert.deepEqual(messages(await runPolicy(criticalAlertsPage, [specResource(ghost as typeof spec)], { pagingKinds: ["pagerduty", ""] })), [
      'critical alerts go to ghost (alerts.routes[0]), none of which pages: add "oncall" to its receivers in alerts.routes[0]',
    ]);
  });
});
