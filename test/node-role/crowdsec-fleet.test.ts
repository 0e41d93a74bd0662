// CrowdSec as one fleet: which host runs the Local API, what each host's config says, the
// per-host credentials derived from stack.crowdsec.fleetKey at apply time (never in the plan),
// the real `crowdsec -t` on the agent-only and the API-only configurations, and the hub's
// registration script run by the real cscli against a real LAPI database. The bans crossing
// hosts are proven in test/e2e/fleet.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { secretInputName, stepSecrets, type PlanContext, type PlanStep } from "../../provisioning/plan.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { deriveSecret, secretFileContent, secretsStdin, stepScript } from "../../provisioning/step-script.ts";
import { credentialLabel, crowdsecFleet, crowdsecFleetMachines, crowdsecLapiUrl, registrationScript, REGISTRATIONS_DIR } from "../../provisioning/crowdsec-fleet.ts";
import { BOUNCER_OVERRIDE, CROWDSEC_LAPI_CREDENTIALS, crowdsecConfig, crowdsecRole, LONE_HOST } from "../../provisioning/node/crowdsec.ts";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, run, tempDir } from "./helpers.ts";

const KEY = "k3y-for-tests-0123456789abcdef";
const specText = (crowdsec: string, hosts = "  - { name: app-1, roles: [node] }\n  - { name: app-2, roles: [node] }\n  - { name: hub-a, roles: [hub] }\n  - { name: hub-b, roles: [hub] }") => `version: 1
environment: t
project: p
region: fra1
vpc: { ipRange: 10.213.13.0/24 }
hosts:
${hosts}
stack:
  crowdsec: ${crowdsec}
alerts:
  receivers: { hook: { webhook: { url: "http://10.213.13.1:9099/" } } }
  routes: [{ to: [hook] }]
`;

function load(crowdsec: string, hosts?: string): Spec {
  const r = loadSpecText(specText(crowdsec, hosts), "s.yaml");
  assert.ok(r.ok, r.ok ? "" : formatErrors(r.errors));
  return r.spec;
}

const FLEET = "{ centralApi: false, fleetKey: { secret: crowdsecFleetKey } }";
const ctxOf = (spec: Spec): PlanContext => offlineContext(spec);
const step = (spec: Spec, host: string, id = "crowdsec"): PlanStep => planForHost(spec, host, ctxOf(spec)).steps.find((s) => s.id === id)!;

test("the fleet is on with a fleetKey, a hub and another node; a lone host and a spec without the key keep a Local API on every node", () => {
  assert.equal(crowdsecFleet(load(FLEET)), true);
  assert.equal(crowdsecFleet(load("{ centralApi: false }")), false);
  // One host: today's setup, and a fleetKey there is refused rather than silently ignored.
  const solo = loadSpecText(specText(FLEET, "  - { name: solo, roles: [node, hub] }"), "s.yaml");
  assert.equal(solo.ok, false);
  if (!solo.ok) assert.match(formatErrors(solo.errors), /stack\.crowdsec\.fleetKey.*has no effect/);
  const noHub = loadSpecText(specText(FLEET, "  - { name: a, roles: [node] }\n  - { name: b, roles: [node] }"), "s.yaml");
  assert.equal(noHub.ok, false);
  assert.equal(crowdsecFleet(load("{ enabled: false, fleetKey: { secret: crowdsecFleetKey } }")), false);
  const lone = load("{ centralApi: false }", "  - { name: solo, roles: [node, hub] }");
  assert.deepEqual(crowdsecRole(lone, lone.hosts[0]!, ctxOf(lone)), LONE_HOST);
});

test("the fleet needs a node other than the Local API's hub; its machines are the node hosts only", () => {
  // The predicate itself, on specs validate would refuse (a fleetKey with nothing to share it):
  // it must not call a lone hub+node host, or hubs without a node, a fleet.
  const withKey = (hosts: string) => {
    const spec = load("{ centralApi: false }", hosts);
    spec.stack.crowdsec.fleetKey = { secret: "crowdsecFleetKey" };
    return spec;
  };
  assert.equal(crowdsecFleet(withKey("  - { name: solo, roles: [node, hub] }")), false, "one hub+node host");
  assert.equal(crowdsecFleet(withKey("  - { name: hub-a, roles: [hub] }\n  - { name: hub-b, roles: [hub] }")), false, "hubs only");
  assert.equal(crowdsecFleet(withKey("  - { name: hub-a, roles: [hub, node] }\n  - { name: app-1, roles: [node] }")), true);
  assert.deepEqual(crowdsecFleetMachines(load(FLEET)).map((h) => h.name), ["app-1", "app-2"]);
  // A node's derived credentials are root's alone.
  const creds = step(load(FLEET), "app-1").files.find((f) => f.path === CROWDSEC_LAPI_CREDENTIALS)!;
  assert.deepEqual([creds.mode, creds.owner, creds.secret], ["0600", "root:root", "crowdsecFleetKey"]);
});

test("roles: the first hub runs the Local API on its private address only; nodes run the agent and no Local API", () => {
  const spec = load(FLEET);
  const ctx = ctxOf(spec);
  const hubA = ctx.privateAddress["hub-a"]!;
  const api = (host: string) => crowdsecConfig(spec, crowdsecRole(spec, spec.hosts.find((h) => h.name === host)!, ctx)) as {
    api: { server?: { listen_uri: string; online_client?: unknown } };
    crowdsec_service?: unknown;
  };
  assert.equal(api("hub-a").api.server?.listen_uri, `${hubA}:8080`);
  assert.equal(api("hub-a").crowdsec_service, undefined, "a hub-only Local API runs no agent");
  for (const node of ["app-1", "app-2"]) {
    assert.equal(api(node).api.server, undefined, `${node} runs no Local API`);
    assert.ok(api(node).crowdsec_service);
  }
  // The second hub of the pair runs no CrowdSec at all (hub-only hosts carry no node protections).
  assert.equal(step(spec, "hub-b"), undefined);
  assert.equal(crowdsecLapiUrl(spec, ctx), `http://${hubA}:8080/`);
  // Nodes' bouncers point at the first hub.
  const bouncer = step(spec, "app-1", "crowdsec-firewall-bouncer").files.find((f) => f.path === BOUNCER_OVERRIDE)!;
  assert.match(bouncer.derived!.template, new RegExp(`^api_url: http://${hubA.replaceAll(".", "\\.")}:8080/$`, "m"));
  assert.equal(bouncer.mode, "0600");
  // Both exit when the Local API does not answer (the bouncer with status 0): always restarted.
  for (const id of ["crowdsec", "crowdsec-firewall-bouncer"]) {
    const dropIn = step(spec, "app-1", id).files.find((f) => f.path.endsWith(".service.d/vigil.conf"))!;
    assert.match(dropIn.content ?? "", /^Restart=always$/m, id);
    assert.match(step(spec, "app-1", id).probe ?? "", /ActiveState --value .*active\|activating/);
  }
});

test("credentials: derived per host and kind at apply time, never in the plan; a node receives only its own", () => {
  const spec = load(FLEET);
  const plans = ["app-1", "app-2", "hub-a"].map((h) => planForHost(spec, h, ctxOf(spec)));
  const values = { crowdsecFleetKey: KEY };
  const derived = (kind: "machine" | "bouncer", host: string) => deriveSecret(KEY, credentialLabel(kind, host));
  const all = ["app-1", "app-2"].flatMap((h) => [derived("machine", h), derived("bouncer", h)]);
  assert.equal(new Set(all).size, 4, "every credential differs");
  for (const v of all) assert.match(v, /^[0-9a-f]{64}$/);
  for (const plan of plans) {
    const text = JSON.stringify(plan) + plan.steps.map(stepScript).join("");
    assert.ok(!text.includes(KEY) && all.every((v) => !text.includes(v)), `${plan.host}: a credential in the plan`);
  }
  const stdinOf = (host: string, id: string) => secretsStdin(step(spec, host, id), values);
  const decoded = (stdin: string) => stdin.trim().split("\n").map((l) => Buffer.from(l.split(" ")[1]!, "base64").toString("utf8")).join("\n");
  const app1 = decoded(stdinOf("app-1", "crowdsec") + stdinOf("app-1", "crowdsec-firewall-bouncer"));
  assert.ok(app1.includes(derived("machine", "app-1")) && app1.includes(derived("bouncer", "app-1")));
  assert.ok(!app1.includes(derived("machine", "app-2")) && !app1.includes(derived("bouncer", "app-2")) && !app1.includes(KEY), "app-1 gets only its own");
  const creds = parse(decoded(stdinOf("app-1", "crowdsec"))) as Record<string, string>;
  assert.deepEqual(creds, { url: crowdsecLapiUrl(spec, ctxOf(spec)), login: "app-1", password: derived("machine", "app-1") });
  const hub = decoded(stdinOf("hub-a", "crowdsec"));
  for (const v of all) assert.ok(hub.includes(v), "the Local API host registers every credential");
  assert.ok(!hub.includes(KEY), "the fleetKey itself reaches no host");
  // What the applying process needs is the one spec secret; what travels are derived names.
  assert.deepEqual(stepSecrets(step(spec, "app-1")), ["crowdsecFleetKey"]);
  const f = step(spec, "app-1").files.find((x) => x.path === CROWDSEC_LAPI_CREDENTIALS)!;
  assert.match(secretInputName(f), /^crowdsecFleetKey_d[0-9a-f]{16}$/);
  assert.throws(() => secretFileContent(f, ""), /shorter than 16 characters/);
  assert.throws(() => secretFileContent(f, "short-key"), (e: Error) => /too weak/.test(e.message) && !e.message.includes("short-key"));
});

test("fleetKey: hostile secret names and shapes are refused at validate, naming the field", () => {
  for (const [value, message] of [
    ['{ secret: "a; rm -rf /" }', /stack\.crowdsec\.fleetKey/],
    ["{ secret: ../x }", /stack\.crowdsec\.fleetKey/],
    ['"plain-text-key"', /stack\.crowdsec\.fleetKey/],
    ["{ secret: k, extra: 1 }", /stack\.crowdsec\.fleetKey/],
    ['{ secret: "k\\nExecStart=/bin/sh" }', /stack\.crowdsec\.fleetKey/],
  ] as const) {
    const r = loadSpecText(specText(`{ fleetKey: ${value} }`), "s.yaml");
    assert.equal(r.ok, false, value);
    if (!r.ok) assert.match(formatErrors(r.errors), message);
  }
});

/**
 * A CrowdSec installation in a temporary directory with one step's files written into it (paths
 * moved into the sandbox, derived files composed with KEY as the applying process does).
 */
function sandbox(t: { after(fn: () => void): void }, s: PlanStep, more: (text: string) => string = (x) => x) {
  const root = tempDir(t, "crowdsec-fleet");
  const etc = join(root, "etc/crowdsec");
  cpSync("/etc/crowdsec", etc, { recursive: true, verbatimSymlinks: true });
  for (const type of ["collections", "parsers", "scenarios", "postoverflows"]) rmSync(join(etc, type), { recursive: true, force: true });
  for (const d of ["data", "log"]) mkdirSync(join(root, d), { recursive: true });
  for (const f of readdirSync("/usr/share/crowdsec/data")) cpSync(join("/usr/share/crowdsec/data", f), join(root, "data", f));
  const relocate = (text: string) =>
    more(text.replaceAll("/etc/crowdsec/", `${etc}/`).replaceAll("/var/lib/crowdsec/data/", `${root}/data/`).replaceAll("/var/log/", `${root}/log/`));
  for (const f of s.files.filter((x) => x.path.startsWith("/etc/crowdsec/"))) {
    const target = join(etc, f.path.slice("/etc/crowdsec/".length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, relocate(f.secret !== undefined ? secretFileContent(f, KEY) : (f.content ?? "")));
  }
  return { root, etc, config: join(etc, "config.yaml"), relocate };
}

test("crowdsec -t accepts the node's agent-only and the hub's API-only configuration", (t) => {
  const spec = load(FLEET);
  for (const host of ["app-1", "hub-a"]) {
    const box = sandbox(t, step(spec, host));
    const r = run("crowdsec", ["-c", box.config, "-t"], { cwd: box.root });
    assert.equal(r.status, 0, `${host}: ${r.stderr}`);
  }
  // An agent without its credentials is refused, so the step keeps the old files.
  const box = sandbox(t, step(spec, "app-1"));
  rmSync(join(box.etc, "local_api_credentials.yaml"));
  assert.notEqual(run("crowdsec", ["-c", box.config, "-t"], { cwd: box.root }).status, 0);
});

test("the hub registers every node's machine and bouncer with cscli, and removes a host that left the spec", (t) => {
  const spec = load(FLEET);
  const box = sandbox(t, step(spec, "hub-a"));
  const cscli = (args: string[]) => {
    const r = run("cscli", ["-c", box.config, ...args], { cwd: box.root });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const register = (s: Spec) => {
    const script = box.relocate(registrationScript(s)).replaceAll("cscli --error", `cscli -c ${box.config} --error`);
    const r = run("bash", ["-c", `set -euo pipefail\nregister() {\n${script}\n}\nregister`], { cwd: box.root });
    assert.equal(r.status, 0, r.stderr);
    return r;
  };
  register(spec);
  const names = (kind: "machines" | "bouncers") =>
    (JSON.parse(cscli([kind, "list", "-o", "json"])) as { machineId?: string; name?: string }[]).map((m) => m.machineId ?? m.name).sort();
  assert.deepEqual(names("machines"), ["app-1", "app-2"]);
  assert.deepEqual(names("bouncers"), ["app-1", "app-2"]);
  // Running it again (the step re-runs on any change) keeps exactly the same registrations.
  register(spec);
  assert.deepEqual(names("bouncers"), ["app-1", "app-2"]);
  // app-2 leaves the spec: its machine and bouncer are removed.
  const smaller = load(FLEET, "  - { name: app-1, roles: [node] }\n  - { name: hub-a, roles: [hub] }");
  for (const f of step(smaller, "hub-a").files.filter((x) => x.path.startsWith(REGISTRATIONS_DIR))) {
    writeFileSync(box.relocate(f.path), secretFileContent(f, KEY));
  }
  const r = register(smaller);
  assert.match(r.stdout, /removed CrowdSec machine app-2/);
  assert.deepEqual(names("machines"), ["app-1"]);
  assert.deepEqual(names("bouncers"), ["app-1"]);
});

test("a node's agent and bouncer log in to the hub's real Local API with their derived credentials; a wrong key is refused", async (t) => {
  const spec = load(FLEET);
  // Loopback stand-ins for the private addresses, and free ports for the Local API and metrics.
  const ctx: PlanContext = { privateAddress: { "app-1": "127.0.0.1", "app-2": "127.0.0.1", "hub-a": "127.0.0.1", "hub-b": "127.0.0.1" } };
  const [lapiPort, hubMetrics] = [await freePort(), await freePort()];
  const ports = (text: string) => text.replaceAll("127.0.0.1:8080", `127.0.0.1:${lapiPort}`).replace(/listen_port: 6060/, `listen_port: ${hubMetrics}`);
  const hub = sandbox(t, planForHost(spec, "hub-a", ctx).steps.find((s) => s.id === "crowdsec")!, ports);
  const script = hub.relocate(registrationScript(spec)).replaceAll("cscli --error", `cscli -c ${hub.config} --error`);
  const reg = run("bash", ["-c", `set -euo pipefail\nregister() {\n${script}\n}\nregister`], { cwd: hub.root });
  assert.equal(reg.status, 0, reg.stderr);
  const lapi = spawn("crowdsec", ["-c", hub.config], { cwd: hub.root, stdio: "ignore" });
  t.after(() => void lapi.kill("SIGKILL"));
  const url = `http://127.0.0.1:${lapiPort}`;
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      await sleep(200);
    }
  }
  const node = planForHost(spec, "app-1", ctx);
  const agent = sandbox(t, node.steps.find((s) => s.id === "crowdsec")!, ports);
  const status = run("cscli", ["-c", agent.config, "lapi", "status"], { cwd: agent.root });
  assert.equal(status.status, 0, `${status.stdout}${status.stderr}`);
  assert.match(status.stdout + status.stderr, /successfully interact with Local API/);
  const override = node.steps.find((s) => s.id === "crowdsec-firewall-bouncer")!.files.find((f) => f.path === BOUNCER_OVERRIDE)!;
  const key = (parse(secretFileContent(override, KEY)) as { api_key: string }).api_key;
  const pull = (k: string) => fetch(`${url}/v1/decisions/stream?startup=true`, { headers: { "X-Api-Key": k } }).then((r) => r.status);
  assert.equal(await pull(key), 200);
  assert.equal(await pull(deriveSecret(KEY, credentialLabel("bouncer", "no-such-host"))), 403);
});
