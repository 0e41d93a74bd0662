// Address arithmetic (schema/ip-ranges.ts) against a model written with BigInt: properties over
// random addresses and prefixes, as awsx tests its subnet helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { addressRange, ipv4Network, ipv4Offset, isPrivateIPv4, parseCidr, within } from "../../schema/ip-ranges.ts";
import { rangesOverlap } from "../../schema/vpc-range.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { edited, stack } from "../node-role/helpers.ts";

const toText = (n: bigint): string => [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join(".");
const toInt = (text: string): bigint => text.split(".").reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
const maskOf = (prefix: number): bigint => (prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n));

const ipv4 = fc.bigInt({ min: 0n, max: 2n ** 32n - 1n });
const prefix = fc.integer({ min: 0, max: 32 });

test("ipv4Offset adds modulo 2^32 and undoes itself", () => {
  fc.assert(
    fc.property(ipv4, fc.integer({ min: -(2 ** 33), max: 2 ** 33 }), (a, n) => {
      const moved = ipv4Offset(toText(a), n);
      assert.equal(toInt(moved), (((a + BigInt(n)) % 2n ** 32n) + 2n ** 32n) % 2n ** 32n);
      assert.equal(ipv4Offset(moved, -n), toText(a));
    }),
  );
  assert.equal(ipv4Offset("10.20.0.0", 2), "10.20.0.2");
  assert.equal(ipv4Offset("10.20.0.255", 1), "10.20.1.0");
  assert.equal(ipv4Offset("255.255.255.255", 1), "0.0.0.0");
});

test("parseCidr accepts exactly the networks without host bits, and names the network otherwise", () => {
  fc.assert(
    fc.property(ipv4, prefix, (a, p) => {
      const network = a & maskOf(p);
      const text = `${toText(a)}/${p}`;
      const parsed = parseCidr(text);
      if (network === a) assert.deepEqual(parsed, { address: toText(a), prefix: p, version: 4 });
      else assert.equal(parsed, `"${text}" has host bits set; the network is ${toText(network)}/${p}`);
      assert.equal(ipv4Network(text), toText(network));
    }),
  );
  assert.equal(parseCidr("10.0.0.0/33"), `"10.0.0.0/33": prefix /33 is longer than /32`);
  assert.equal(parseCidr("10.0.0/8"), `"10.0.0/8": "10.0.0" is not an IP address`);
  assert.equal(parseCidr("0x0a.0.0.0/8"), `"0x0a.0.0.0/8": "0x0a.0.0.0" is not an IP address`);
  assert.equal(parseCidr("10.0.0.0"), `"10.0.0.0" is not a CIDR like 203.0.113.10/32`);
  assert.deepEqual(parseCidr("2001:db8::/32"), { address: "2001:db8::", prefix: 32, version: 6 });
});

test("within: an address range lies in another exactly when the model says so", () => {
  fc.assert(
    fc.property(ipv4, prefix, ipv4, prefix, (a, p, b, q) => {
      const inner = addressRange(`${toText(a)}/${p}`)!;
      const outer = addressRange(`${toText(b)}/${q}`)!;
      const model = p >= q && (a & maskOf(q)) === (b & maskOf(q));
      assert.equal(within(inner, outer), model);
    }),
  );
  const v6 = addressRange("2001:db8::/32")!;
  assert.ok(within(addressRange("2001:db8:1::5")!, v6));
  assert.ok(!within(addressRange("2001:db9::1")!, v6));
  assert.ok(!within(addressRange("10.0.0.1")!, addressRange("::/0")!), "IPv4 is not inside an IPv6 range");
  assert.equal(addressRange("10.0.0.1")!.prefix, 32);
  for (const bad of ["", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/8/8", "10.1", "example.com", "::/129"]) assert.equal(addressRange(bad), undefined, bad);
});

test("isPrivateIPv4: RFC 1918 and nothing else", () => {
  const model = (a: bigint) => (a >> 24n === 10n) || (a >> 20n === (172n << 4n) + 1n) || (a >> 16n === (192n << 8n) + 168n);
  fc.assert(fc.property(ipv4, (a) => assert.equal(isPrivateIPv4(toText(a)), model(a))));
  assert.ok(isPrivateIPv4("172.31.255.255") && !isPrivateIPv4("172.32.0.0") && !isPrivateIPv4("::1"));
});

test("offline stand-in addresses are distinct and inside the VPC range, from .2 on", () => {
  const prod = stack("prod");
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 28 }), ipv4, fc.integer({ min: 1, max: 12 }), (p, a, hosts) => {
      // A network inside 10/8, as the schema's checks require of vpc.ipRange.
      const range = `${toText(((10n << 24n) | (a & ((1n << 24n) - 1n))) & maskOf(p))}/${p}`;
      const spec = edited(prod, (s) => {
        s.vpc.ipRange = range;
        s.hosts = Array.from({ length: hosts }, (_, i) => ({ ...structuredClone(prod.hosts[0]!), name: `h${i}` }));
      });
      const addresses = Object.values(offlineContext(spec).privateAddress);
      assert.equal(new Set(addresses).size, hosts);
      const vpc = addressRange(range)!;
      for (const address of addresses) assert.ok(within(addressRange(address)!, vpc), `${address} in ${range}`);
      assert.equal(addresses[0], ipv4Offset(ipv4Network(range), 2));
    }),
    { numRuns: 50 },
  );
});

test("CIDR and address edges: anchored, IPv6 prefixes up to /128, surrounding blanks trimmed, equal ranges within", () => {
  assert.equal(typeof parseCidr("10.0.0.0/8x"), "string");
  assert.equal(typeof parseCidr(" 10.0.0.0/8"), "string");
  assert.equal(typeof parseCidr("x/10.0.0.0/8"), "string");
  assert.deepEqual(parseCidr("fd00::/64"), { address: "fd00::", prefix: 64, version: 6 });
  assert.equal(addressRange("::1")?.prefix, 128);
  assert.equal(addressRange(" 10.0.0.1 ")?.prefix, 32);
  const net = addressRange("10.20.0.0/24")!;
  assert.equal(within(net, addressRange("10.20.0.0/24")!), true);
  assert.equal(within(addressRange("10.20.0.0/23")!, net), false);
  assert.equal(rangesOverlap("10.0.0.0/8", "fd00::/8"), false);
  assert.equal(rangesOverlap("fd00::/8", "10.0.0.0/8"), false);
});
