// Maintenance windows (provisioning/hub/maintenance-windows.ts) without Alertmanager: which alerts
// a window concerns (what `vigil status` shows as in maintenance), when two windows cannot meet,
// and when a window is active, with several day and time ranges. The real Alertmanager's muting
// is in alert-routes.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { MaintenanceWindow } from "../../schema/spec-schema.ts";
import { windowActive, windowConcerns, windowsDisjoint } from "../../provisioning/hub/maintenance-windows.ts";

const win = (w: Partial<MaintenanceWindow>): MaintenanceWindow => ({ name: "w", timezone: "UTC", ...w }) as MaintenanceWindow;

test("a window concerns an alert when every filter it has admits the alert's labels", () => {
  const w = win({ hosts: ["app-1"], alerts: ["HostDown"], match: { severity: "critical" } });
  const labels = { host: "app-1", alertname: "HostDown", severity: "critical" };
  assert.equal(windowConcerns(w, labels), true);
  assert.equal(windowConcerns(w, { ...labels, host: "app-2" }), false);
  assert.equal(windowConcerns(w, { alertname: "HostDown", severity: "critical" }), false, "no host label");
  assert.equal(windowConcerns(w, { ...labels, alertname: "AgentDown" }), false);
  assert.equal(windowConcerns(w, { host: "app-1", severity: "critical" }), false, "no alertname label");
  assert.equal(windowConcerns(w, { ...labels, severity: "warning" }), false);
  assert.equal(windowConcerns(win({}), { host: "app-9", alertname: "X" }), true, "a window without filters concerns everything");
});

test("two windows are disjoint when one label admits no common value, whichever filter names it", () => {
  // hosts vs match.host, alerts vs match.alertname: the same label either way.
  assert.equal(windowsDisjoint(win({ hosts: ["app-1"] }), win({ match: { host: "app-2" } })), true);
  assert.equal(windowsDisjoint(win({ hosts: ["app-1"] }), win({ match: { host: "app-1" } })), false);
  assert.equal(windowsDisjoint(win({ alerts: ["HostDown"] }), win({ match: { alertname: "AgentDown" } })), true);
  assert.equal(windowsDisjoint(win({ alerts: ["HostDown"] }), win({ alerts: ["AgentDown"] })), true);
  // One common value is enough to meet.
  assert.equal(windowsDisjoint(win({ alerts: ["HostDown", "AgentDown"] }), win({ alerts: ["AgentDown"] })), false);
  assert.equal(windowsDisjoint(win({ match: { severity: "critical" } }), win({ match: { severity: "critical" } })), false);
  assert.equal(windowsDisjoint(win({ match: { severity: "critical" } }), win({ match: { severity: "warning" } })), true);
  // hosts and match.host together admit only hosts in both: none here, so it meets no window.
  assert.equal(windowsDisjoint(win({ hosts: ["app-1"], match: { host: "app-2" } }), win({ hosts: ["app-2"] })), true);
  assert.equal(windowsDisjoint(win({ hosts: ["app-1", "app-2"], match: { host: "app-2" } }), win({ hosts: ["app-2"] })), false);
  // Different labels never make two windows disjoint.
  assert.equal(windowsDisjoint(win({ hosts: ["app-1"] }), win({ alerts: ["HostDown"] })), false);
});

test("several day and time ranges: any one of each must hold; start inclusive, end exclusive, to the minute", () => {
  // 30 November 2026 is a Monday; UTC.
  const w = win({ weekdays: ["monday:tuesday", "friday"], times: ["09:00-10:00", "14:00-14:45"] });
  const at = (iso: string) => windowActive(w, new Date(iso));
  assert.equal(at("2026-11-30T09:30:00Z"), true, "Monday, first day range");
  assert.equal(at("2026-12-04T14:30:00Z"), true, "Friday, second day range, second time range");
  assert.equal(at("2026-12-01T09:00:00Z"), true, "Tuesday at the start");
  assert.equal(at("2026-12-01T09:59:00Z"), true);
  assert.equal(at("2026-12-01T10:00:00Z"), false, "the end is outside");
  assert.equal(at("2026-12-04T14:44:00Z"), true, "to the minute");
  assert.equal(at("2026-12-04T14:45:00Z"), false);
  assert.equal(at("2026-12-04T14:46:00Z"), false, "minutes count, not only hours");
  assert.equal(at("2026-12-02T09:30:00Z"), false, "Wednesday is in no range");
  assert.equal(at("2026-11-29T09:30:00Z"), false, "Sunday is before monday:tuesday");
  assert.equal(at("2026-12-05T09:30:00Z"), false, "Saturday is after it");
});
