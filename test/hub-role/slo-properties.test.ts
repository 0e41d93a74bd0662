// Properties of the burn-rate math of provisioning/rules/slo-rules.ts over random objectives and
// windows (fast-check), next to the promtool tests that run the rendered rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { durationSeconds } from "../../schema/durations.ts";
import type { Slo } from "../../schema/spec-schema.ts";
import { budgetFraction, burnFactor, burnThreshold, sloRuleGroupsFor, sloWindows } from "../../provisioning/rules/slo-rules.ts";
import { BURN_PAIRS, SLO_WINDOWS } from "../../provisioning/rules/tunables.ts";
import { SLO_WINDOW_MAX, SLO_WINDOW_MIN } from "../../schema/slo-window.ts";
import { edited, stack } from "../node-role/helpers.ts";

const prod = stack("prod");
const base = prod.slos[0]!;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Objectives the schema accepts (0 < objective < 100), mostly the usual nines. */
const objective = fc.oneof(
  fc.constantFrom(90, 95, 99, 99.5, 99.9, 99.95, 99.99),
  fc.double({ min: 0.001, max: 99.999, noNaN: true }).map((x) => Number(x.toFixed(3))),
);
/** Windows the schema accepts: 1d..90d, as days, hours or weeks. */
const windowText = fc.oneof(
  fc.integer({ min: durationSeconds(SLO_WINDOW_MIN) / 86400, max: durationSeconds(SLO_WINDOW_MAX) / 86400 }).map((d) => `${d}d`),
  fc.integer({ min: 24, max: 90 * 24 }).map((h) => `${h}h`),
  fc.integer({ min: 1, max: 12 }).map((w) => `${w}w`),
);
const slos = fc.record({ objective, window: windowText }).map(({ objective, window }): Slo => ({ ...base, objective, window }));

test("the error budget is the share the objective leaves, and 100 leaves none", () => {
  fc.assert(
    fc.property(slos, (slo) => {
      const budget = budgetFraction(slo);
      assert.ok(budget > 0 && budget < 1);
      assert.ok(close(budget, (100 - slo.objective) / 100));
    }),
  );
  for (const bad of [0, 100, -1, 101]) assert.throws(() => budgetFraction({ ...base, objective: bad }), /no error budget|above 0 and below 100/);
});

test("a pair fires when its share of the budget is spent within its long window, and never below factor 1", () => {
  fc.assert(
    fc.property(slos, (slo) => {
      const window = durationSeconds(slo.window);
      for (const pair of BURN_PAIRS) {
        const factor = burnFactor(slo, pair);
        const long = durationSeconds(pair.long);
        assert.ok(factor >= 1, `${pair.long}: factor ${factor}`);
        assert.ok(close(factor, Math.max(1, (pair.budgetShare * window) / long)));
        // An error ratio at the threshold, sustained over the long window, spends exactly the
        // pair's share of the budget (more when the factor was raised to 1).
        const threshold = burnThreshold(slo, pair);
        assert.ok(close(threshold, factor * budgetFraction(slo)));
        const spent = (threshold * long) / (budgetFraction(slo) * window);
        assert.ok(factor > 1 ? close(spent, pair.budgetShare) : spent >= pair.budgetShare - 1e-9, `${pair.long}: spent ${spent}`);
        // At that rate the whole budget lasts window / factor.
        assert.ok(close(window / factor, (budgetFraction(slo) * window) / threshold));
      }
    }),
  );
});

test("longer windows never lower a factor; pages burn faster than tickets", () => {
  fc.assert(
    fc.property(slos, windowText, (slo, other) => {
      const longer = durationSeconds(other) >= durationSeconds(slo.window) ? { ...slo, window: other } : slo;
      const shorter = longer === slo ? { ...slo, window: other } : slo;
      for (const pair of BURN_PAIRS) assert.ok(burnFactor(longer, pair) >= burnFactor(shorter, pair));
      const factors = BURN_PAIRS.map((p) => burnFactor(slo, p));
      const critical = BURN_PAIRS.flatMap((p, i) => (p.severity === "critical" ? [factors[i]!] : []));
      const warning = BURN_PAIRS.flatMap((p, i) => (p.severity === "warning" ? [factors[i]!] : []));
      assert.ok(Math.min(...critical) >= Math.max(...warning));
    }),
  );
});

test("every recorded window is recorded once, the SLO's own included; the alerts use the rendered thresholds", () => {
  fc.assert(
    fc.property(slos, (slo) => {
      const windows = sloWindows(slo);
      const seconds = windows.map(durationSeconds);
      assert.equal(new Set(seconds).size, seconds.length);
      assert.ok(seconds.includes(durationSeconds(slo.window)));
      for (const w of SLO_WINDOWS) assert.ok(windows.includes(w));
      const spec = edited(prod, (s) => void (s.slos = [slo]));
      const alerts = sloRuleGroupsFor(spec, slo).flatMap((g) => g.rules).filter((r) => "alert" in r);
      assert.equal(alerts.length, BURN_PAIRS.length);
      alerts.forEach((rule, i) => {
        const threshold = Number(/> ([0-9.e-]+)\n/.exec((rule as { expr: string }).expr)![1]);
        assert.ok(close(threshold, burnThreshold(slo, BURN_PAIRS[i]!)), `${threshold} vs ${burnThreshold(slo, BURN_PAIRS[i]!)}`);
      });
    }),
    { numRuns: 60 },
  );
});
