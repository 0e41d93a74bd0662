// The machine-wide slot record: a single container and a fleet are read the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { localOptions, localStatus, slotAlive, slotMembers, type SlotRecord } from "../../bin/local-target.ts";
import { fleetStatus } from "../../bin/local-fleet.ts";
import { scratchDir } from "../scratch-dir.ts";

const single: SlotRecord = { pid: 999_999_991, stateDir: "/var/lib/x", port: 2222, startedAt: "t", pidns: "pid:[1]" };
const fleet: SlotRecord = {
  pid: 999_999_992, stateDir: "/var/lib/y", port: 22, startedAt: "t",
  members: [{ pid: 999_999_992, root: "/var/lib/y/fleet/a/root" }, { pid: 999_999_993, root: "/var/lib/y/fleet/b/root", pidns: "pid:[2]" }],
};

test("a single container's record stands for its root under the state dir; a fleet's for every member", () => {
  assert.deepEqual(slotMembers(single), [{ pid: 999_999_991, root: "/var/lib/x/root", pidns: "pid:[1]" }]);
  assert.deepEqual(slotMembers(fleet).map((m) => m.root), ["/var/lib/y/fleet/a/root", "/var/lib/y/fleet/b/root"]);
  // No such processes: nothing holds the machine.
  assert.equal(slotAlive(single), false);
  assert.equal(slotAlive(fleet), false);
});

test("a dead slot holder is not reported as holding the machine", () => {
  const dir = scratchDir("vigil-slot-");
  const slotFile = join(dir, "slot.json");
  writeFileSync(slotFile, JSON.stringify(fleet));
  const o = localOptions({ VIGIL_LOCAL_DIR: join(dir, "state"), VIGIL_LOCAL_SLOT: slotFile, VIGIL_CACHE_DIR: join(dir, "cache") }, () => {});
  assert.equal(localStatus(o).otherHolder, undefined);
  assert.deepEqual(fleetStatus(o), { running: false, up: [] });
});
