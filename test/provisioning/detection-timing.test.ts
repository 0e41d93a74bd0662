// The detection floor and its parts (provisioning/detection-timing.ts), from a spec's intervals:
// the numbers the docs' table and the e2e bounds read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { agentIntervalSeconds, agentStaleSeconds, confirmFor, confirmSeconds, detectionFloorSeconds, groupWait } from "../../provisioning/detection-timing.ts";
import { edited, stack } from "../node-role/helpers.ts";

// Distinct values, so that a part added twice, subtracted or left out gives another total.
const spec = edited(stack("prod"), (s) => {
  s.intervals = { scrape: "20s", evaluation: "15s", agent: "7s" };
  s.alerts.confirm = 3;
  delete s.alerts.grouping.wait;
});

test("group wait: a critical alert waits one evaluation, others 30 s, unless grouping.wait says", () => {
  assert.equal(groupWait(spec, "critical"), "15s");
  assert.equal(groupWait(spec, "warning"), "30s");
  const set = edited(spec, (s) => void (s.alerts.grouping.wait = "5s"));
  assert.equal(groupWait(set, "critical"), "5s");
  assert.equal(groupWait(set, "warning"), "5s");
});

test("the detection floor is for + one scrape + one evaluation + group wait, plus one agent interval when the agent sees the fault", () => {
  assert.equal(confirmSeconds(spec), 45);
  assert.equal(confirmFor(spec), "45s");
  assert.equal(detectionFloorSeconds(spec, "scrape"), 45 + 20 + 15 + 15);
  assert.equal(detectionFloorSeconds(spec, "agent"), 45 + 20 + 15 + 15 + 7);
  // A threshold's own `for` replaces the confirm window.
  assert.equal(detectionFloorSeconds(spec, "scrape", 300), 300 + 20 + 15 + 15);
  assert.equal(agentIntervalSeconds(spec), 7);
  assert.equal(agentIntervalSeconds(edited(spec, (s) => void delete s.intervals.agent)), 20);
  assert.equal(agentStaleSeconds(spec), 7 + 3 * 20);
});
