// The resource graph of each spec under Pulumi mocks (several programs in one process).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { previewCloudResources, type CloudResource } from "../../components/cloud-preview.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { nearestMonitorWindow } from "../../components/monitor-window.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { cloudAlertTargets } from "../../schema/alert-routing.ts";
import { SPEC_FILES, T, loadSpec, named, ofType, revealed } from "./helpers.ts";
import { scratchDir } from "../scratch-dir.ts";

/** One evaluation per spec, shared by the tests below (secrets revealed: tests check them). */
const graphs = new Map<string, Promise<CloudResource[]>>();
const graphOf = (spec: Spec) => {
  const key = JSON.stringify(spec);
  if (!graphs.has(key)) graphs.set(key, previewCloudResources(spec, { revealSecrets: true }));
  return graphs.get(key)!;
};

for (const [label, file] of Object.entries(SPEC_FILES)) {
  test(`${label}: droplets, VPC, project membership and SSH keys match the spec`, async () => {
    const spec = loadSpec(file);
    const rs = await graphOf(spec);
    const prefix = `${spec.project}-${spec.environment}`;

    const vpc = named(rs, T.vpc, `${prefix}-vpc`);
    assert.deepEqual(vpc.inputs, { name: `${prefix}-vpc`, region: spec.region, ipRange: spec.vpc.ipRange, description: `vigil: ${prefix}` });
    assert.equal(ofType(rs, T.sshKey).length, spec.access.sshKeys.filter((k) => typeof k === "string").length, "only public keys are uploaded");

    const created = spec.hosts.filter((h) => !h.existing);
    assert.deepEqual(ofType(rs, T.droplet).map((r) => r.name).sort(), created.map((h) => `${prefix}-${h.name}`).sort());
    for (const host of created) {
      const d = named(rs, T.droplet, `${prefix}-${host.name}`).inputs;
      assert.equal(d.monitoring, true, "monitor alerts need the DigitalOcean agent");
      assert.equal(d.vpcUuid, `${prefix}-vpc-id`);
      assert.equal(d.region, spec.region);
      assert.equal(d.size, host.size);
      assert.equal(d.image, host.image);
      assert.equal(d.backups, host.backups);
      assert.deepEqual(d.tags, [spec.project, prefix, ...host.roles.map((r) => `${prefix}-${r}`)]);
      assert.equal(d.userData, undefined, "user_data changes replace droplets; vigil provisions with remote steps");
      const projectMembership = named(rs, T.projectResources, `${prefix}-${host.name}-project`).inputs;
      assert.equal(projectMembership.project, `${prefix}-id`);
      assert.equal((projectMembership.resources as string[]).length, 1);
      assert.match((projectMembership.resources as string[])[0]!, /^do:droplet:/);
    }
    assert.equal(ofType(rs, T.projectResources).length, created.length);
    // Existing servers: no cloud resource of their own.
    for (const host of spec.hosts.filter((h) => h.existing)) {
      const own = rs.filter((r) => r.name.startsWith(`${prefix}-${host.name}`) && r.type.startsWith("digitalocean:"));
      assert.deepEqual(own, [], `no droplet or project membership for ${host.name}`);
    }

    // The spec resource, for the policy pack: the validated spec, secrets only as references.
    const specResource = named(rs, T.spec, spec.environment);
    const { $schema: _ignored, ...expected } = spec;
    assert.deepEqual(specResource.inputs, { spec: JSON.parse(JSON.stringify(expected)) });

    // One step command (and one upload) per plan step, on every host.
    for (const host of spec.hosts) {
      const steps = planForHost(spec, host.name, offlineContext(spec)).steps;
      const hostCommands = ofType(rs, T.command).filter((r) => r.urn.includes(`HostProvisioning$${T.command}::${host.name}-`));
      assert.equal(hostCommands.length, 2 * steps.length + (host.existing ? 0 : 1), `${host.name}: commands`);
    }
    assert.equal(ofType(rs, T.copyToRemote).length, 0, "uploads go through remote.Command stdin (see stage-upload.ts)");
    assert.ok(rs.every((r) => r.urn.startsWith(`urn:pulumi:${spec.environment}::vigil::`)), "every resource has its URN");
  });

  test(`${label}: uptime checks, their alerts, and a ping on every hub`, async () => {
    const spec = loadSpec(file);
    const rs = await graphOf(spec);
    const prefix = `${spec.project}-${spec.environment}`;
    const httpChecks = spec.uptime.filter((c) => c.url !== undefined);
    const hubs = spec.hosts.filter((h) => h.roles.includes("hub"));
    assert.equal(ofType(rs, T.uptimeCheck).length, httpChecks.length + hubs.length);

    // Who they notify is cloud-alerts.test.ts's subject; here, every alert notifies the same.
    const targets = cloudAlertTargets(spec);
    const emails = targets.emails;
    const slackChannels = targets.slackReceivers.map((name) => spec.alerts.receivers[name]!.slack!.channel ?? "#alerts");
    let alerts = 0;
    for (const check of httpChecks) {
      const https = check.url!.startsWith("https://");
      const c = named(rs, T.uptimeCheck, `${prefix}-${check.name}`).inputs;
      assert.deepEqual(c, { name: `${prefix}-${check.name}`, type: https ? "https" : "http", target: check.url, regions: check.regions, enabled: true });
      const expected = [
        ["down", undefined, undefined],
        ...(check.latencyMs !== undefined ? [["latency", "greater_than", check.latencyMs]] : []),
        ...(https && check.sslExpiryDays !== undefined ? [["ssl_expiry", "less_than", check.sslExpiryDays]] : []),
      ] as [string, string | undefined, number | undefined][];
      for (const [type, comparison, threshold] of expected) {
        const a = named(rs, T.uptimeAlert, `${prefix}-${check.name}-${type.replace("_", "-")}`).inputs;
        alerts++;
        assert.equal(a.type, type);
        assert.equal(a.checkId, `${prefix}-${check.name}-id`);
        assert.equal(a.period, check.alertPeriod);
        assert.equal(a.comparison, comparison);
        assert.equal(a.threshold, threshold);
        const [n] = (slackChannels.length > 0 ? revealed(a.notifications) : a.notifications) as { emails: string[]; slacks: { channel: string }[] }[];
        assert.deepEqual(n!.emails, emails);
        assert.deepEqual(n!.slacks.map((s) => s.channel), slackChannels);
      }
    }
    for (const hub of hubs) {
      const c = named(rs, T.uptimeCheck, `${prefix}-hub-${hub.name}`).inputs;
      assert.equal(c.type, "ping");
      assert.equal(c.target, hub.existing?.address ?? "192.0.2." + (spec.hosts.indexOf(hub) + 1));
      named(rs, T.uptimeAlert, `${prefix}-hub-${hub.name}-down`);
      alerts++;
    }
    assert.equal(ofType(rs, T.uptimeAlert).length, alerts);
  });

  test(`${label}: monitor alerts at the critical thresholds on every droplet`, async () => {
    const spec = loadSpec(file);
    const rs = await graphOf(spec);
    const prefix = `${spec.project}-${spec.environment}`;
    const droplets = ofType(rs, T.droplet);
    const monitors = ofType(rs, T.monitorAlert);
    if (droplets.length === 0) {
      assert.equal(monitors.length, 0, "existing servers have no DigitalOcean agent vigil controls");
      return;
    }
    const ids = spec.hosts.flatMap((h, i) => (h.existing ? [] : [String(100000 + i)]));
    const t = spec.thresholds;
    for (const [name, type, value, forDuration] of [
      ["cpu", "v1/insights/droplet/cpu", t.cpu.critical, t.cpu.for],
      ["memory", "v1/insights/droplet/memory_utilization_percent", t.memory.critical, t.memory.for],
      ["disk", "v1/insights/droplet/disk_utilization_percent", t.disk.critical, t.disk.for],
    ] as const) {
      const a = named(rs, T.monitorAlert, `${prefix}-${name}-critical`).inputs;
      assert.equal(a.type, type);
      assert.equal(a.value, value);
      assert.equal(a.compare, "GreaterThan");
      assert.equal(a.window, nearestMonitorWindow(forDuration));
      assert.deepEqual(a.entities, ids);
    }
    // Load: per CPU in the spec, whole-machine load_5 at DigitalOcean.
    const loads = monitors.filter((m) => m.inputs.type === "v1/insights/droplet/load_5");
    assert.deepEqual(loads.flatMap((m) => m.inputs.entities as string[]).sort(), [...ids].sort());
    for (const m of loads) {
      const vcpus = Number(/-(\d+)vcpu$/.exec(m.name)![1]);
      assert.equal(m.inputs.value, t.load.critical * vcpus);
      for (const id of m.inputs.entities as string[]) {
        const host = spec.hosts[Number(id) - 100000]!;
        assert.match(host.size, new RegExp(`(^|-)${vcpus}vcpu(-|$)`));
      }
    }
  });
}

test("droplet SSH keys are the fingerprints ssh-keygen computes for the public keys of access.sshKeys", async () => {
  const spec = loadSpec(SPEC_FILES.dev);
  assert.ok(spec.access.sshKeys.every((k) => typeof k === "string"), "stacks/dev.yaml uploads its key");
  const rs = await graphOf(spec);
  const dir = scratchDir("vigil-keys-");
  const expected = spec.access.sshKeys.map((key, i) => {
    writeFileSync(join(dir, `k${i}.pub`), `${key}\n`);
    const out = execFileSync("ssh-keygen", ["-l", "-E", "md5", "-f", join(dir, `k${i}.pub`)], { encoding: "utf8" });
    return /MD5:([0-9a-f:]+)/.exec(out)![1];
  });
  assert.ok(expected.length > 0);
  for (const d of ofType(rs, T.droplet)) assert.deepEqual(d.inputs.sshKeys, expected);
});

test("existing servers: provisioned over their own address and port, with sudo for a non-root user", async () => {
  const spec = loadSpec(SPEC_FILES.existing);
  const rs = await graphOf(spec);
  const commands = ofType(rs, T.command);
  for (const host of spec.hosts) {
    for (const c of commands.filter((r) => r.name.startsWith(`${host.name}-`))) {
      const connection = revealed(c.inputs.connection) as Record<string, unknown>;
      assert.equal(connection.host, host.existing!.address);
      assert.equal(connection.port, host.existing!.port);
      assert.equal(connection.user, "deploy");
      assert.match(String(c.inputs.create), /^sudo -n bash /);
    }
    assert.ok(!commands.some((r) => r.name === `${host.name}-boot`), "no cloud-init wait on an existing server");
  }
});
