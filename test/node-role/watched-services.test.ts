// The units that must stay active, and the regular expressions that select them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { AGENT_UNITS, runningUnits, stackUnits, systemdUnitInclude, unitName, unitRegex, watchedUnits, watchedUnitsRegex } from "../../provisioning/watched-services.ts";
import { expectedUnits } from "../../bin/local-apply.ts";
import { edited, stack } from "./helpers.ts";

test("unitName: a bare name is a service, a typed unit keeps its type", () => {
  assert.equal(unitName("nginx"), "nginx.service");
  assert.equal(unitName("asterisk.service"), "asterisk.service");
  assert.equal(unitName("backup.timer"), "backup.timer");
  assert.equal(unitName("getty@tty1"), "getty@tty1.service");
  assert.equal(unitName("my.app"), "my.app.service");
  // A bare name that happens to be a unit type is still a service name, not a type.
  assert.equal(unitName("timer"), "timer.service");
  assert.equal(unitName("mount"), "mount.service");
});

test("watched units: the spec's services and the stack's own units for the host's roles and enabled pieces", () => {
  const prod = stack("prod");
  const app1 = prod.hosts.find((h) => h.name === "app-1")!;
  assert.deepEqual(
    watchedUnits(prod, app1),
    [
      "crowdsec-firewall-bouncer.service",
      "crowdsec.service",
      "fail2ban.service",
      "netdata.service",
      "nginx.service",
      "prometheus-node-exporter.service",
      ...AGENT_UNITS,
      // prod's app-1 has log sources: mtail, and the follower of its journal source
      "mtail.service",
      "vigil-journal-backup.service",
    ].sort(),
  );
  const monitor = prod.hosts.find((h) => h.name === "monitor")!;
  assert.deepEqual(stackUnits(prod, monitor), ["prometheus.service", "prometheus-alertmanager.service", "prometheus-blackbox-exporter.service"]);
  const dev = stack("dev");
  const both = watchedUnits(dev, dev.hosts[0]!);
  assert.ok(both.includes("prometheus.service") && both.includes("netdata.service"));
  assert.ok(!both.includes("crowdsec-firewall-bouncer.service"), "dev has no bouncer");
  const noFail2ban = edited(prod, (s) => void (s.stack.fail2ban.enabled = false));
  assert.ok(!watchedUnits(noFail2ban, noFail2ban.hosts[0]!).includes("fail2ban.service"));
});

test("a hub-only host runs Netdata exactly when it is the fleet dashboard (streaming on)", () => {
  const prod = stack("prod");
  const hubOnly = (s: typeof prod) => s.hosts.find((h) => h.roles.includes("hub") && !h.roles.includes("node"))!;
  const streaming = edited(prod, (s) => void (s.stack.netdata.streamApiKey = { secret: "netdataStreamKey" }));
  assert.ok(runningUnits(streaming, hubOnly(streaming)).includes("netdata.service"), "streaming hub without netdata.service");
  assert.ok(!runningUnits(prod, hubOnly(prod)).includes("netdata.service"), "netdata.service on a hub without streaming");
  const off = edited(streaming, (s) => void (s.stack.netdata.enabled = false));
  assert.ok(!runningUnits(off, hubOnly(off)).includes("netdata.service"), "netdata.service with netdata disabled");
});

const unitChars = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCXYZ0123456789@:._-".split(""));
const unitNames = fc.array(unitChars, { minLength: 1, maxLength: 30 }).map((cs) => cs.join(""));

test("unitRegex matches its unit and nothing else (the dot is literal)", () => {
  fc.assert(
    fc.property(unitNames, unitNames, (a, b) => {
      const re = new RegExp(`^(?:${unitRegex(a)})$`);
      assert.ok(re.test(a));
      assert.equal(re.test(b), a === b);
      assert.doesNotMatch(unitRegex(a), /[\\$"'`\s]/);
    }),
  );
  assert.ok(!new RegExp(`^(?:${unitRegex("a.service")})$`).test("axservice"));
  assert.throws(() => unitRegex("bad unit"), /not a systemd unit name/);
});

test("watchedUnitsRegex selects exactly the watched units; the collector include adds every service", () => {
  const prod = stack("prod");
  fc.assert(
    fc.property(fc.uniqueArray(unitNames, { maxLength: 6 }), unitNames, (services, other) => {
      const spec = edited(prod, (s) => void (s.hosts[0]!.services = services));
      const host = spec.hosts[0]!;
      const watched = watchedUnits(spec, host);
      const re = new RegExp(`^(?:${watchedUnitsRegex(spec, host)})$`);
      for (const unit of watched) assert.ok(re.test(unit), unit);
      assert.equal(re.test(other), watched.includes(other));
      const include = new RegExp(`^(?:${systemdUnitInclude(spec, host)})$`);
      for (const unit of watched) assert.ok(include.test(unit), unit);
      assert.equal(include.test(`${other}.service`), true);
    }),
  );
});

test("running units: what `vigil local status` expects, from the same list as the watched units", () => {
  const prod = stack("prod");
  const app1 = prod.hosts.find((h) => h.name === "app-1")!;
  const running = runningUnits(prod, app1);
  // The firewall bouncer is a resident service too (local status once forgot it).
  assert.ok(running.includes("crowdsec-firewall-bouncer.service"));
  // Every running unit is watched; the agent's unit only where the host has an agent block.
  for (const u of running) assert.ok(watchedUnits(prod, app1).includes(u), u);
  assert.equal(running.includes("vigil-agent.service"), app1.agent !== undefined);
  const noAgent = edited(prod, (s) => void delete s.hosts[0]!.agent);
  assert.ok(!runningUnits(noAgent, noAgent.hosts[0]!).includes("vigil-agent.service"));
  assert.ok(!running.some((u) => u.endsWith(".timer")), "no timers: nothing vigil installs runs on one");
  const monitor = prod.hosts.find((h) => h.name === "monitor")!;
  assert.deepEqual(runningUnits(prod, monitor), [...monitor.services.map(unitName), ...stackUnits(prod, monitor)].sort());
  assert.deepEqual(expectedUnits(prod), [...new Set(prod.hosts.flatMap((h) => runningUnits(prod, h)))].sort());
});
