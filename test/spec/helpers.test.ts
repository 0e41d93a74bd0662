// Property tests of the small pure helpers the spec checks and the renderers share.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { durationSeconds, formatDuration } from "../../schema/durations.ts";
import { databaseLabel } from "../../schema/database-label.ts";
import { parseCidr } from "../../schema/ip-ranges.ts";
import { formatPath } from "../../schema/spec-errors.ts";
import { sloWindowWithin } from "../../schema/slo-window.ts";
import { timeRangeMinutes } from "../../schema/time-of-week.ts";

test("formatDuration and durationSeconds round-trip and pick the largest whole unit", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), (seconds) => {
      const text = formatDuration(seconds);
      assert.equal(durationSeconds(text), seconds);
      assert.match(text, /^[1-9][0-9]*(s|m|h|d|w)$/);
    }),
  );
  assert.equal(formatDuration(3600), "1h");
  assert.equal(formatDuration(90), "90s");
  assert.equal(durationSeconds("30d"), 2_592_000);
  assert.throws(() => durationSeconds("5 minutes"));
  assert.throws(() => formatDuration(0));
});

test("durationSeconds accepts one whole duration, anchored at both ends; both functions say what they refused", () => {
  for (const text of ["x5m", "05m", "5mx", "5m ", " 5m", "5m5s", "", "5", "m"]) {
    assert.throws(() => durationSeconds(text), new Error(`not a duration: ${JSON.stringify(text)}`), text);
  }
  for (const seconds of [0, -60, 1.5, Number.NaN]) {
    assert.throws(() => formatDuration(seconds), new Error(`not a positive whole number of seconds: ${seconds}`), String(seconds));
  }
});

const octet = fc.integer({ min: 0, max: 255 });

test("parseCidr accepts exactly the network addresses of each prefix", () => {
  fc.assert(
    fc.property(fc.tuple(octet, octet, octet, octet), fc.integer({ min: 0, max: 32 }), (o, prefix) => {
      const value = o.reduce((acc, x) => ((acc << 8) | x) >>> 0, 0);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const result = parseCidr(`${o.join(".")}/${prefix}`);
      if (((value & ~mask) >>> 0) === 0) assert.equal(typeof result, "object");
      else assert.match(result as string, /has host bits set; the network is/);
    }),
  );
  assert.match(parseCidr("10.0.0.0/33") as string, /longer than \/32/);
  assert.match(parseCidr("10.0.0.0") as string, /not a CIDR/);
  assert.deepEqual(parseCidr("2001:db8::/32"), { address: "2001:db8::", prefix: 32, version: 6 });
});

test("databaseLabel is the name, else the file name without extension", () => {
  assert.equal(databaseLabel({ path: "/srv/dcg/bugs.db" }), "bugs");
  assert.equal(databaseLabel({ path: "/srv/dcg/bugs.db", name: "tracker" }), "tracker");
  assert.equal(databaseLabel({ path: "/var/lib/app/data" }), "data");
});

test("formatPath writes the paths users see in error messages", () => {
  assert.equal(formatPath(["hosts", 0, "agent", "sqlite", 1, "path"]), "hosts[0].agent.sqlite[1].path");
  assert.equal(formatPath(["alerts", "receivers", "on call"]), 'alerts.receivers["on call"]');
  assert.equal(formatPath([]), "");
});

test("SLO windows: both bounds are inside, a second beyond either is not", () => {
  assert.equal(sloWindowWithin("1d"), true);
  assert.equal(sloWindowWithin("90d"), true);
  assert.equal(sloWindowWithin("30d"), true);
  assert.equal(sloWindowWithin("86399s"), false);
  assert.equal(sloWindowWithin("7776001s"), false);
  assert.equal(sloWindowWithin("2h", "1h", "3h"), true);
  assert.equal(sloWindowWithin("4h", "1h", "3h"), false);
});

test("time ranges in minutes of the day", () => {
  assert.deepEqual(timeRangeMinutes("09:30-17:45"), [570, 1065]);
  assert.deepEqual(timeRangeMinutes("22:00-24:00"), [1320, 1440]);
});
