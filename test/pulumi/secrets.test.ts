// Secrets stay secret: every input that carries one is a secret Output, no plain input holds one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { previewCloudResources, SECRET } from "../../components/cloud-preview.ts";
import { specSecretNames } from "../../components/program.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { stepSecrets } from "../../provisioning/plan.ts";
import { deriveSecret, secretsStdin } from "../../provisioning/step-script.ts";
import { credentialLabel } from "../../provisioning/crowdsec-fleet.ts";
import { fixturePlanner } from "./fixtures/fixture-planner.ts";
import { SPEC_FILES, T, loadEdited, loadSpec, named, ofType, revealed } from "./helpers.ts";

for (const [label, file] of Object.entries(SPEC_FILES)) {
  test(`${label}: no secret value in any plain input; stdin, connection and webhooks are secret`, async () => {
    const spec = loadSpec(file);
    const names = [...specSecretNames(spec), "sshPrivateKey"];
    const values = Object.fromEntries(names.map((n) => [n, `VALUE-${n}-${Math.random().toString(36).slice(2)}`]));
    const rs = await previewCloudResources(spec, { planHost: fixturePlanner, secrets: values });

    const text = JSON.stringify(rs);
    for (const [name, value] of Object.entries(values)) {
      assert.ok(!text.includes(value), `the value of ${name} appears in a plain input`);
      assert.ok(!text.includes(Buffer.from(value).toString("base64")), `the base64 value of ${name} appears in a plain input`);
    }
    for (const c of ofType(rs, T.command)) assert.equal(c.inputs.connection, SECRET, `${c.name}: the SSH connection holds the private key`);

    let withSecrets = 0;
    for (const host of spec.hosts) {
      for (const step of fixturePlanner(spec, host.name, offlineContext(spec)).steps) {
        if (stepSecrets(step).length === 0) continue;
        withSecrets++;
        assert.equal(named(rs, T.command, `${host.name}-${step.id}`).inputs.stdin, SECRET);
      }
    }
    const slack = Object.values(spec.alerts.receivers).some((r) => r.slack);
    if (slack) {
      assert.ok(withSecrets > 0, "the fixture's secret step is covered");
      for (const a of ofType(rs, T.uptimeAlert)) assert.equal(a.inputs.notifications, SECRET);
      for (const a of ofType(rs, T.monitorAlert)) assert.equal(a.inputs.alerts, SECRET);
    }

    // Revealed, the secret inputs carry exactly the configured values.
    const open = await previewCloudResources(spec, { planHost: fixturePlanner, secrets: values, revealSecrets: true });
    for (const host of spec.hosts) {
      for (const step of fixturePlanner(spec, host.name, offlineContext(spec)).steps) {
        if (stepSecrets(step).length > 0) assert.equal(revealed(named(open, T.command, `${host.name}-${step.id}`).inputs.stdin), secretsStdin(step, values));
      }
      for (const c of ofType(open, T.command).filter((r) => r.name.startsWith(`${host.name}-`))) {
        assert.equal((revealed(c.inputs.connection) as { privateKey: string }).privateKey, values.sshPrivateKey);
      }
    }
    if (slack) {
      const [n] = revealed(ofType(open, T.uptimeAlert)[0]!.inputs.notifications) as { slacks: { url: string }[] }[];
      assert.ok(n!.slacks.every((s) => Object.values(values).includes(s.url)));
    }
  });
}

test("CrowdSec fleet: the derived credentials travel only in secret stdin, each host's its own, the fleetKey in none", async () => {
  const spec = loadEdited(SPEC_FILES.prod, /crowdsec: \{ enabled: true,/, "crowdsec: { fleetKey: { secret: crowdsecFleetKey }, enabled: true,");
  const names = [...specSecretNames(spec), "sshPrivateKey"];
  assert.ok(names.includes("crowdsecFleetKey"));
  const values = Object.fromEntries(names.map((n) => [n, `VALUE-${n}-${Math.random().toString(36).slice(2)}`]));
  const derived = ["machine", "bouncer"].map((kind) => deriveSecret(values.crowdsecFleetKey!, credentialLabel(kind as "machine", "app-1")));
  const plain = JSON.stringify(await previewCloudResources(spec, { secrets: values }));
  for (const v of [values.crowdsecFleetKey!, ...derived]) assert.ok(!plain.includes(v), "a CrowdSec credential in a plain input");
  const open = await previewCloudResources(spec, { secrets: values, revealSecrets: true });
  const stdin = (name: string) => {
    const lines = String(revealed(named(open, T.command, name).inputs.stdin)).trim().split("\n");
    return lines.map((l) => Buffer.from(l.split(" ")[1]!, "base64").toString("utf8")).join("\n");
  };
  // app-1's agent and bouncer get their own credential; the hub (monitor) registers both.
  assert.ok(stdin("app-1-crowdsec").includes(derived[0]!) && !stdin("app-1-crowdsec").includes(derived[1]!));
  assert.ok(stdin("app-1-crowdsec-firewall-bouncer").includes(derived[1]!));
  for (const v of derived) assert.ok(stdin("monitor-crowdsec").includes(v));
  for (const n of ["app-1-crowdsec", "app-1-crowdsec-firewall-bouncer", "monitor-crowdsec"]) assert.ok(!stdin(n).includes(values.crowdsecFleetKey!));
});
