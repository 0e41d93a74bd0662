// Boots the fleet e2e's four hosts (test/e2e/support/fleet-fixtures.ts) and applies their plans,
// then leaves them up for measurements by hand: `vigil local ssh HOST` with the same state dir
// (VIGIL_LOCAL_DIR=/var/lib/vigil-e2e-fleet VIGIL_LOCAL_SLOT=/run/vigil-e2e-fleet.json), and
// `vigil local down` with it afterwards. HOLD_FRESH=0 re-applies the current plans to a fleet already up. Run under the e2e lock: flock /tmp/vigil-e2e.lock node --import tsx bench/fleet/hold-fleet.ts
import { bootFleet } from "../../bin/local-fleet.ts";
import { fleetPlans, fleetUp } from "../../bin/commands/local-fleet.ts";
import { sshRun, sshClose } from "../../bin/ssh-transport.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import { fleetOptions, fleetSecrets, fleetSpecText, prepareFleetNode } from "../../test/e2e/support/fleet-fixtures.ts";
const o = fleetOptions();
const r = loadSpecText(fleetSpecText(), "fleet.yaml");
if (!r.ok) throw new Error(JSON.stringify(r.errors));
const t0 = performance.now();
const boot = await bootFleet(o, r.spec, { fresh: process.env.HOLD_FRESH !== "0", waitSlotMs: 600_000 });
if (!boot.reused) for (const n of ["app-1", "app-2"]) await sshRun(boot.targets[n]!, prepareFleetNode(n === "app-1"));
const up = await fleetUp(o, r.spec, { plans: fleetPlans(r.spec), env: fleetSecrets(), out: (l) => console.log(l) });
console.log("failures", JSON.stringify(up.outcomes.filter((x) => x.failure).map((x) => x.failure)));
console.log("up in", ((performance.now() - t0) / 1000).toFixed(0), "s");
await Promise.all(Object.values(boot.targets).map((t) => sshClose(t)));
