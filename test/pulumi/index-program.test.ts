// index.ts itself, under mocks: stack name → spec file, config secrets, the outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { FIXTURES, ROOT, T } from "./helpers.ts";

interface Run {
  status: number | null;
  result: { resources?: { type: string; name: string; inputs: Record<string, unknown> }[]; outputs?: Record<string, any>; error?: string };
  stderr: string;
}

/** Runs index.ts for one stack in a child process (the runs of this file go in parallel). */
function runIndex(stack: string, config: Record<string, string>, secretKeys: string[]): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", `${FIXTURES}run-index.ts`], {
    cwd: ROOT,
    env: { ...process.env, STACK: stack, CONFIG: JSON.stringify(config), SECRET_KEYS: JSON.stringify(secretKeys) },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      const last = stdout.trim().split("\n").at(-1) || "{}";
      resolve({ status, result: JSON.parse(last), stderr });
    });
  });
}

const KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nfixture\n-----END OPENSSH PRIVATE KEY-----\n";
const WEBHOOK = "https://hooks.slack.test/services/T0/B0/dev-fixture";

const runs = {
  dev: runIndex("dev", { "vigil:slackWebhook": WEBHOOK, "vigil:sshPrivateKey": KEY }, ["vigil:slackWebhook", "vigil:sshPrivateKey"]),
  specOverride: runIndex(
    "staging",
    { "vigil:spec": "test/pulumi/fixtures/existing-servers.yaml", "vigil:slackWebhook": "x", "vigil:smtpPassword": "y", "vigil:sshPrivateKey": KEY },
    ["vigil:slackWebhook", "vigil:smtpPassword", "vigil:sshPrivateKey"],
  ),
  missingSecret: runIndex("dev", { "vigil:sshPrivateKey": KEY }, ["vigil:sshPrivateKey"]),
  invalidSpec: runIndex("bad", { "vigil:spec": "test/spec/bad/does-not-exist.yaml", "vigil:sshPrivateKey": KEY }, ["vigil:sshPrivateKey"]),
};

test("stack dev deploys stacks/dev.yaml with its config secrets, and exports addresses, tunnels, check ids", async () => {
  const webhook = WEBHOOK;
  const run = await runs.dev;
  assert.equal(run.status, 0, run.stderr + JSON.stringify(run.result));
  const resources = run.result.resources!;
  assert.ok(resources.some((r) => r.type === T.droplet && r.name === "dcg-dev-dev-1"));
  const text = JSON.stringify(resources);
  assert.equal(text.split(webhook).length - 1, resources.filter((r) => r.type === T.uptimeAlert || r.type === T.monitorAlert).length, "the webhook only in alert notifications");
  for (const r of resources.filter((x) => text.includes(webhook) && JSON.stringify(x).includes(webhook))) {
    assert.ok("[secret]" in ((r.inputs.notifications ?? r.inputs.alerts) as object), `${r.name}: webhook inside a secret`);
  }
  for (const c of resources.filter((r) => r.type === T.command)) {
    assert.equal((c.inputs.connection as any)["[secret]"].privateKey, KEY);
  }
  const o = run.result.outputs!;
  const droplet = resources.findIndex((r) => r.type === T.droplet) + 1;
  assert.deepEqual(o.hosts, { "dev-1": { publicAddress: `203.0.113.${droplet}`, privateAddress: `10.99.0.${droplet}`, roles: ["node", "hub"] } });
  assert.equal(o.dashboards["dev-1"].tunnel, `ssh -N -L 19999:127.0.0.1:19999 -L 9090:127.0.0.1:9090 -L 9093:127.0.0.1:9093 root@203.0.113.${droplet}`);
  assert.deepEqual(o.dashboards["dev-1"].urls, { netdata: "http://localhost:19999/", prometheus: "http://localhost:9090/", alertmanager: "http://localhost:9093/" });
  assert.deepEqual(Object.keys(o.uptimeCheckIds).sort(), ["api", "hub-dev-1"]);
});

test("config vigil:spec overrides the stack's file", async () => {
  const run = await runs.specOverride;
  assert.equal(run.status, 0, run.stderr + JSON.stringify(run.result));
  assert.ok(run.result.resources!.some((r) => r.type === T.spec && r.name === "legacy"));
  assert.equal(run.result.resources!.filter((r) => r.type === T.droplet).length, 0);
  assert.equal(run.result.outputs!.dashboards["app-old"].tunnel, "ssh -N -L 19999:127.0.0.1:19999 -p 2222 deploy@198.51.100.7");
});

test("a secret the spec names but the stack's config lacks stops the program, naming it", async () => {
  const run = await runs.missingSecret;
  assert.equal(run.status, 1);
  assert.match(run.result.error!, /vigil:slackWebhook/);
});

test("an invalid spec stops the program with the located errors", async () => {
  const run = await runs.invalidSpec;
  assert.equal(run.status, 1);
  assert.match(run.result.error!, /invalid spec .*does-not-exist\.yaml:\n.*does-not-exist\.yaml: cannot read spec: no such file/);
});
