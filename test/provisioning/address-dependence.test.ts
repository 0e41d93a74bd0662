// Which steps wait for which addresses (provisioning/address-dependence.ts), without Pulumi.
import { test } from "node:test";
import assert from "node:assert/strict";
import { addressDependence, planWithAddresses, standInContexts } from "../../provisioning/address-dependence.ts";
import { offlineContext, shiftedContext } from "../../provisioning/address-contexts.ts";
import { planForHost, type HostPlanner } from "../../provisioning/host-plan.ts";
import { stepHash } from "../../provisioning/plan.ts";
import { edited, stack } from "../node-role/helpers.ts";

const prod = stack("prod");
const standIns = standInContexts(prod);

test("the shifted stand-ins move every droplet and no existing server", () => {
  const spec = edited(prod, (s) => void (s.hosts[0]!.existing = { address: "203.0.113.7", privateAddress: "10.20.0.77", port: 22 }));
  const offline = offlineContext(spec).privateAddress;
  const shifted = shiftedContext(spec).privateAddress;
  assert.equal(shifted[spec.hosts[0]!.name], "10.20.0.77");
  for (const h of spec.hosts.slice(1)) assert.notEqual(shifted[h.name], offline[h.name], h.name);
  assert.equal(new Set(Object.values(shifted)).size, spec.hosts.length, "distinct addresses");
});

test("a node host depends on its own address only; the hub on everyone's", () => {
  const node = prod.hosts.find((h) => h.roles.includes("node") && !h.roles.includes("hub"))!;
  const hub = prod.hosts.find((h) => h.roles.includes("hub"))!;
  const n = addressDependence(prod, node.name, planForHost, standIns);
  const h = addressDependence(prod, hub.name, planForHost, standIns);
  assert.equal(n.dependsOnOthers, false);
  assert.equal(h.dependsOnOthers, true);
  // Netdata and node_exporter bind the VPC address; fail2ban's jail knows no address.
  const independent = (d: typeof n, id: string) => d.independent[d.offline.steps.findIndex((s) => s.id === id)];
  assert.equal(independent(n, "netdata"), false);
  assert.equal(independent(n, "node-exporter"), false);
  assert.equal(independent(n, "fail2ban"), true);
  assert.equal(independent(n, "netdata-health"), true);
  assert.equal(independent(h, "prometheus"), false, "the hub's scrape targets are the nodes' addresses");
  assert.equal(independent(h, "blackbox"), true);
  // A node's real context keeps every other host at its offline stand-in.
  const real = n.realContext({ [node.name]: "10.20.9.9", [hub.name]: "10.20.9.10" });
  assert.equal(real.privateAddress[node.name], "10.20.9.9");
  assert.equal(real.privateAddress[hub.name], standIns.offline.privateAddress[hub.name]);
  assert.equal(h.realContext({ [node.name]: "10.20.9.9" }).privateAddress[node.name], "10.20.9.9");
});

test("an independent step is exactly the step the real addresses give", () => {
  for (const host of prod.hosts) {
    const d = addressDependence(prod, host.name, planForHost, standIns);
    const addresses = Object.fromEntries(prod.hosts.map((h, i) => [h.name, `10.20.200.${i + 10}`]));
    const real = planWithAddresses(prod, host.name, planForHost, d, addresses);
    real.steps.forEach((step, i) => {
      if (d.independent[i]) assert.equal(stepHash(step), stepHash(d.offline.steps[i]!), `${host.name} ${step.id}`);
    });
    assert.deepEqual(real, planForHost(prod, host.name, d.realContext(addresses)));
  }
});

test("existing servers only: nothing waits for an address", () => {
  const spec = edited(prod, (s) =>
    s.hosts.forEach((h, i) => void (h.existing = { address: `203.0.113.${i + 1}`, privateAddress: `10.20.0.${i + 50}`, port: 22 })),
  );
  for (const host of spec.hosts) assert.ok(addressDependence(spec, host.name, planForHost, standInContexts(spec)).independent.every(Boolean), host.name);
});

test("step ids that change with the addresses are refused, offline and once the addresses are known", () => {
  const byAddress: HostPlanner = (spec, name, ctx) => {
    const plan = planForHost(spec, name, ctx);
    return { ...plan, steps: plan.steps.map((s) => ({ ...s, id: `${s.id}-${ctx.privateAddress[name]!.replace(/\W/g, "")}` })) };
  };
  assert.throws(() => addressDependence(prod, prod.hosts[0]!.name, byAddress, standIns), /step ids and their order must not depend on addresses/);
  const name = prod.hosts[0]!.name;
  const d = addressDependence(prod, name, planForHost, standIns);
  const dropsOne: HostPlanner = (spec, n, ctx) => {
    const plan = planForHost(spec, n, ctx);
    return ctx.privateAddress[n] === "10.20.77.1" ? { ...plan, steps: plan.steps.slice(1) } : plan;
  };
  assert.throws(() => planWithAddresses(prod, name, dropsOne, d, { [name]: "10.20.77.1" }), /changed once the addresses were known/);
});
