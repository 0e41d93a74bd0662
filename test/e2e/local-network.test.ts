// The fleet's private network, its pure half: addresses, names, the overlap check against this
// machine's routes, and the plans each host gets from those addresses.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { loadSpecText } from "../../schema/load-spec.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { cidrsOverlap, fleetContext, fleetNetwork, overlappingRoutes, FLEET_BRIDGE, type RouteEntry } from "../../bin/local-network.ts";
import { applyPhases, fleetPlans } from "../../bin/commands/local-fleet.ts";
import { isFleetSpec } from "../../bin/commands/local-fleet.ts";

const specText = (range: string, hosts: string) => `version: 1
environment: t
project: p
region: fra1
vpc: { ipRange: ${range} }
hosts:
${hosts}
alerts:
  receivers: { hook: { webhook: { url: "http://10.213.13.1:9099/" } } }
  routes: [{ to: [hook] }]
`;

const fleet = loadSpecText(
  specText(
    "10.213.13.0/24",
    `  - { name: app-1, roles: [node] }
  - { name: app-2, roles: [node] }
  - { name: hub-a, roles: [hub] }
  - { name: hub-b, roles: [hub], existing: { address: 198.51.100.9 } }`,
  ),
  "fleet.yaml",
);

test("host i gets .(2+i) of vpc.ipRange, this machine .1: the stand-ins vigil render uses", () => {
  assert.ok(fleet.ok);
  const net = fleetNetwork(fleet.spec);
  assert.equal(net.gateway, "10.213.13.1");
  assert.equal(net.prefix, 24);
  assert.equal(net.bridge, FLEET_BRIDGE);
  assert.deepEqual(net.hosts.map((h) => [h.name, h.address]), [["app-1", "10.213.13.2"], ["app-2", "10.213.13.3"], ["hub-a", "10.213.13.4"], ["hub-b", "10.213.13.5"]]);
  const offline = offlineContext(fleet.spec).privateAddress;
  for (const h of net.hosts.slice(0, 3)) assert.equal(offline[h.name], h.address);
  // An existing server is a container here like any other: its stand-in, not its real address.
  assert.equal(fleetContext(net).privateAddress["hub-b"], "10.213.13.5");
  for (const h of net.hosts) assert.ok(h.veth.length <= 15 && net.bridge.length <= 15, "Linux interface names are at most 15 bytes");
  assert.equal(new Set(net.hosts.map((h) => h.netns)).size, 4);
});

test("a range too small for the hosts is refused", () => {
  const r = loadSpecText(specText("10.213.13.0/28", Array.from({ length: 14 }, (_, i) => `  - { name: h${i}, roles: [node] }`).join("\n")), "small.yaml");
  assert.ok(r.ok);
  assert.throws(() => fleetNetwork(r.spec), /10\.213\.13\.0\/28 has room for 13 hosts besides this machine; the spec has 14/);
});

test("overlap: the default route and the fleet's own bridge do not count; any other overlapping route does", () => {
  const routes: RouteEntry[] = [
    { dst: "default", dev: "eth0" },
    { dst: "192.0.2.0/24", dev: "eth0" },
    { dst: "10.213.13.0/24", dev: FLEET_BRIDGE },
    { dst: "127.0.0.0/8", dev: "lo", type: "local" },
  ];
  assert.deepEqual(overlappingRoutes("10.213.13.0/24", routes), []);
  assert.deepEqual(overlappingRoutes("10.0.0.0/16", [...routes, { dst: "10.0.5.0/24", dev: "wg0" }]), ["10.0.5.0/24 dev wg0"]);
  assert.deepEqual(overlappingRoutes("10.0.5.0/24", [{ dst: "10.0.0.0/8", dev: "tun0" }]), ["10.0.0.0/8 dev tun0"]);
  assert.deepEqual(overlappingRoutes("10.0.5.0/24", [{ dst: "10.0.5.77", dev: "eth1", type: "local" }]), ["10.0.5.77 dev eth1 (local)"]);
  assert.deepEqual(overlappingRoutes("10.0.5.0/24", [{ dst: "10.0.6.0/24", dev: "eth1" }, { dst: "fd00::/64", dev: "eth0" }]), []);
});

test("cidrsOverlap agrees with address arithmetic", () => {
  const cidr = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 8, max: 32 })).map(([n, p]) => {
    const mask = p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0;
    const base = (n & mask) >>> 0;
    return { text: `${[24, 16, 8, 0].map((s) => (base >>> s) & 255).join(".")}/${p}`, lo: base, hi: base + 2 ** (32 - p) - 1 };
  });
  fc.assert(
    fc.property(cidr, cidr, (a, b) => {
      assert.equal(cidrsOverlap(a.text, b.text), a.lo <= b.hi && b.lo <= a.hi);
    }),
  );
});

test("nodes apply first, then hubs (a node that is also a hub is a hub)", () => {
  const r = loadSpecText(
    specText("10.213.13.0/24", `  - { name: both, roles: [node, hub] }\n  - { name: app-1, roles: [node] }\n  - { name: hub-b, roles: [hub] }`),
    "mixed.yaml",
  );
  assert.ok(r.ok);
  assert.deepEqual(applyPhases(r.spec), [["app-1"], ["both", "hub-b"]]);
});

test("every host gets its own plan with the fleet's addresses; one host stays the loopback container", () => {
  assert.ok(fleet.ok);
  assert.ok(isFleetSpec(fleet.spec));
  const plans = fleetPlans(fleet.spec);
  assert.deepEqual(plans.map((p) => p.host), ["app-1", "app-2", "hub-a", "hub-b"]);
  const hubA = JSON.stringify(plans[2]);
  for (const a of ["10.213.13.2:9100", "10.213.13.3:9100", "10.213.13.5:9093"]) assert.ok(hubA.includes(a), `hub-a names ${a}`);
  assert.ok(!hubA.includes("198.51.100.9"), "the existing server's real address is not used locally");
  const app2 = JSON.stringify(plans[1]);
  assert.ok(app2.includes("--web.listen-address=10.213.13.3:9100") && app2.includes("--web.listen-address=127.0.0.1:9100"), "node_exporter binds its private address and loopback");
  const single = loadSpecText(specText("10.213.13.0/24", "  - { name: box, roles: [node, hub] }"), "one.yaml");
  assert.ok(single.ok);
  assert.equal(isFleetSpec(single.spec), false);
});
