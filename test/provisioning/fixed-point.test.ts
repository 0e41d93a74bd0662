// Numbers in generated config files are plain decimals (Netdata thresholds, PromQL literals).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fixedPoint } from "../../provisioning/fixed-point.ts";
import { netdataHealthFiles } from "../../provisioning/node/netdata.ts";
import { num } from "../../provisioning/rules/rule-file.ts";

test("fixedPoint writes every finite double as plain decimal digits with the same value", () => {
  fc.assert(
    fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
      const text = fixedPoint(n);
      assert.match(text, /^-?\d+(\.\d+)?$/, `${n} -> ${text}`);
      assert.equal(Number(text), n === 0 ? 0 : n);
    }),
    { numRuns: 2000 },
  );
  assert.equal(fixedPoint(1e21), "1000000000000000000000");
  assert.equal(fixedPoint(1.5e-7), "0.00000015");
  assert.equal(fixedPoint(-2.5e22), "-25000000000000000000000");
  assert.throws(() => fixedPoint(Infinity));
});

test("Netdata thresholds and PromQL numbers never take exponent form (1e+21, 1e-7, 0.)", () => {
  const files = netdataHealthFiles({
    cpu: { warning: 1e-7, critical: 99.99999999, for: "5m" },
    memory: { warning: 0.1 + 0.2, critical: 95, for: "5m" },
    disk: { warning: 80, critical: 90, for: "5m" },
    load: { warning: 999.5, critical: 1000, for: "10m" },
    diskFillHours: 24,
    inodes: { warning: 85, critical: 95, for: "5m" },
    clockSkewMs: 50,
    fileDescriptors: 80,
    conntrack: 75,
    cpuSteal: 10,
    networkErrors: 1,
    logErrors: 50,
  });
  const text = Object.values(files).join("\n");
  assert.doesNotMatch(text, /\d[eE][+-]?\d|\d\.(?!\d)/);
  assert.match(files["cpu.conf"]!, /warn: \$this > 0\.0000001\n/);
  assert.match(files["ram.conf"]!, /warn: \$this > 0\.3\n/);
  assert.equal(num(1e-12), "0.000000000001");
  assert.equal(num(2e21), "2000000000000000000000");
});
