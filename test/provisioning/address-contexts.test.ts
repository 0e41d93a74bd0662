// Plan contexts (provisioning/address-contexts.ts): the offline stand-ins, the local target's
// loopback, and `vigil render --address HOST=IP`, whose refusals the CLI prints.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyAddressOverrides, loopbackContext, offlineContext } from "../../provisioning/address-contexts.ts";
import { edited, stack } from "../node-role/helpers.ts";

const prod = stack("prod");

test("offline stand-ins are .2, .3, ... of vpc.ipRange in host order; an existing server keeps its own", () => {
  assert.deepEqual(Object.values(offlineContext(prod).privateAddress), prod.hosts.map((_, i) => `10.20.0.${2 + i}`));
  const spec = edited(prod, (s) => void (s.hosts[1]!.existing = { address: "203.0.113.7", port: 22 }));
  assert.equal(offlineContext(spec).privateAddress[spec.hosts[1]!.name], "203.0.113.7");
});

test("the local target puts every host on 127.0.0.1", () => {
  assert.deepEqual(loopbackContext(prod).privateAddress, Object.fromEntries(prod.hosts.map((h) => [h.name, "127.0.0.1"])));
});

test("--address HOST=IP replaces one host's address; anything else is refused naming the pair", () => {
  const [first, second] = prod.hosts.map((h) => h.name) as [string, string];
  const ctx = offlineContext(prod);
  assert.equal(applyAddressOverrides(prod, ctx, [`${first}=10.9.8.7`, `${second}=fd00::5`]), undefined);
  assert.equal(ctx.privateAddress[first], "10.9.8.7");
  assert.equal(ctx.privateAddress[second], "fd00::5");
  assert.equal(applyAddressOverrides(prod, ctx, []), undefined);
  for (const pair of [`${first}`, `nohost=10.0.0.1`, `${first}=10.0.0`, `${first}=`, `=10.0.0.1`, `${first}=example.com`, `${first}=10.0.0.1=junk`, `${first}=10.0.0.1=`]) {
    const before = structuredClone(ctx.privateAddress);
    assert.equal(applyAddressOverrides(prod, ctx, [pair]), `--address ${pair}: expected HOST=IP with a host of the spec`, pair);
    assert.deepEqual(ctx.privateAddress, before, `${pair} changed the context`);
  }
  // The first bad pair stops the list: pairs after it are not applied.
  const ctx2 = offlineContext(prod);
  assert.match(applyAddressOverrides(prod, ctx2, ["bad", `${first}=10.1.1.1`]) ?? "", /^--address bad: /);
  assert.equal(ctx2.privateAddress[first], "10.20.0.2");
});
