// Netdata streaming: who is child and who is parent, what each stream.conf says, the child's
// RAM-only history, and the API key (a secret) kept out of the plan, checked as a UUID on the
// host before it is substituted. The streaming itself runs in test/e2e/fleet.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { stepSecrets } from "../../provisioning/plan.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { netdataConf, netdataStreamChild, netdataStreaming } from "../../provisioning/node/netdata.ts";
import { netdataStreamStep, STREAM_CONF, STREAM_KEY_FILE, STREAM_TEMPLATE, streamChildTemplate, streamParentTemplate } from "../../provisioning/node/netdata-stream.ts";
import { scratchDir } from "../scratch-dir.ts";

const specText = (netdata: string) => `version: 1
environment: t
project: p
region: fra1
vpc: { ipRange: 10.213.13.0/24 }
hosts:
  - { name: app-1, roles: [node] }
  - { name: app-2, roles: [node] }
  - { name: hub-a, roles: [hub] }
  - { name: hub-b, roles: [hub, node] }
stack:
  netdata: ${netdata}
alerts:
  receivers: { hook: { webhook: { url: "http://10.213.13.1:9099/" } } }
  routes: [{ to: [hook] }]
`;

function load(netdata: string): Spec {
  const r = loadSpecText(specText(netdata), "s.yaml");
  assert.ok(r.ok, r.ok ? "" : formatErrors(r.errors));
  return r.spec;
}

const on = load("{ streamApiKey: { secret: netdataStreamKey } }");
const ctx = offlineContext(on);
const host = (name: string) => on.hosts.find((h) => h.name === name)!;

test("node-only hosts are children; hubs (also a hub that is a node) are parents", () => {
  assert.ok(netdataStreaming(on));
  assert.deepEqual(on.hosts.filter((h) => netdataStreamChild(on, h)).map((h) => h.name), ["app-1", "app-2"]);
  const ids = (name: string) => planForHost(on, name, ctx).steps.map((s) => s.id);
  assert.ok(ids("app-1").includes("netdata-stream"));
  assert.deepEqual(ids("hub-a").slice(-3), ["netdata", "netdata-health", "netdata-stream"], "a hub-only host gets Netdata as the parent");
  assert.equal(ids("hub-b").filter((i) => i === "netdata").length, 1, "a node+hub host installs Netdata once");
  assert.match(netdataStreamStep(on, host("hub-b"), ctx).description, /parent/);
});

test("without a key nothing streams and netdata.conf is today's", () => {
  const off = load("{ enabled: true }");
  assert.equal(netdataStreaming(off), false);
  assert.ok(!planForHost(off, "app-1", offlineContext(off)).steps.some((s) => s.id === "netdata-stream"));
  assert.ok(!planForHost(off, "hub-a", offlineContext(off)).steps.some((s) => s.id.startsWith("netdata")));
  assert.doesNotMatch(netdataConf(off, host("app-1"), offlineContext(off)), /\[db\]|\[ml\]/);
});

test("a child keeps ten minutes in RAM with ML off, no tc, nfacct, apps, statsd or self-monitoring; a parent keeps dbengine and its plugins", () => {
  const child = netdataConf(on, host("app-1"), ctx);
  assert.match(child, /^\[db\]\n(\t#.*\n)?\tmode = ram\n\tretention = 600$/m);
  assert.match(child, /^\[ml\]\n\tenabled = no$/m);
  assert.match(child, /^\[plugins\]\n\ttc = no\n\tnfacct = no\n\tnetdata monitoring = no\n\tstatsd = no\n\tapps = no$/m);
  assert.doesNotMatch(netdataConf(on, host("hub-b"), ctx), /mode = ram|\[plugins\]/);
});

test("a child's alarms run on its parents: no health on the child, the spec's alarms and `auto` on every hub", () => {
  const child = netdataConf(on, host("app-1"), ctx);
  assert.match(child, /^\[health\]\n(\t#.*\n)*\tenabled = no$/m);
  assert.doesNotMatch(child, /enabled = yes/);
  const ids = (name: string) => planForHost(on, name, ctx).steps.map((s) => s.id);
  assert.ok(!ids("app-1").includes("netdata-health"), ids("app-1").join(" "));
  for (const hub of ["hub-a", "hub-b"]) {
    const steps = ids(hub);
    // The alarms' files are in place before the parent accepts a child.
    assert.ok(steps.indexOf("netdata") < steps.indexOf("netdata-health") && steps.indexOf("netdata-health") < steps.indexOf("netdata-stream"), steps.join(" "));
    assert.match(netdataConf(on, host(hub), ctx), /^\[health\]\n\tenabled = yes$/m);
  }
  assert.match(streamParentTemplate(on, ctx), /^\thealth enabled by default = auto$/m);
  // Without streaming, a node keeps its own alarms.
  const off = load("{ enabled: true }");
  assert.ok(planForHost(off, "app-1", offlineContext(off)).steps.some((s) => s.id === "netdata-health"));
});

test("child destinations are the hubs in spec order; the parent accepts the node hosts only", () => {
  assert.match(streamChildTemplate(on, ctx), /^\tdestination = 10\.213\.13\.4:19999 10\.213\.13\.5:19999$/m);
  const parent = streamParentTemplate(on, ctx);
  assert.match(parent, /^\tallow from = 10\.213\.13\.2 10\.213\.13\.3$/m);
  assert.match(parent, /^\thealth enabled by default = auto$/m);
});

test("the key is a secret file; the plan holds only a placeholder", () => {
  const step = netdataStreamStep(on, host("app-1"), ctx);
  assert.deepEqual(stepSecrets(step), ["netdataStreamKey"]);
  assert.deepEqual(step.files.find((f) => f.path === STREAM_KEY_FILE), { path: STREAM_KEY_FILE, mode: "0600", owner: "root:root", secret: "netdataStreamKey" });
  assert.ok(!step.files.some((f) => f.path === STREAM_CONF), "stream.conf is composed on the host, not carried by the plan");
});

test("the template is root's and world-readable (it holds no key); descriptions name the hubs and the children", () => {
  const child = netdataStreamStep(on, host("app-1"), ctx);
  const parent = netdataStreamStep(on, host("hub-a"), ctx);
  for (const step of [child, parent]) {
    const template = step.files.find((f) => f.path === STREAM_TEMPLATE)!;
    assert.deepEqual([template.mode, template.owner], ["0644", "root:root"]);
    assert.ok(!template.content!.includes("netdataStreamKey"));
  }
  assert.equal(child.description, "Netdata streams to the hubs (hub-a, hub-b), history in RAM, ML off");
  assert.equal(parent.description, "Netdata parent of the node hosts (app-1, app-2)");
});

test("a parent with no node-only host to stream to it accepts nobody", () => {
  const hubsOnly = structuredClone(on);
  hubsOnly.hosts = hubsOnly.hosts.filter((h) => h.roles.includes("hub"));
  assert.match(streamParentTemplate(hubsOnly, offlineContext(hubsOnly)), /^\tallow from = !\*$/m);
});

test("a plain-string key is refused at validate time", () => {
  const r = loadSpecText(specText("{ streamApiKey: 0b3c5a1e-1111-2222-3333-444444444444 }"), "s.yaml");
  assert.equal(r.ok, false);
  assert.match(r.ok ? "" : formatErrors(r.errors), /stack\.netdata\.streamApiKey: is a plain string, but secrets must be given as \{ secret: NAME \}/);
});

/** Runs the step's validate and run against files in a temporary directory (paths rewritten). */
function compose(key: string): { status: number; stderr: string; conf?: string } {
  const dir = scratchDir("vigil-stream-");
  const step = netdataStreamStep(on, host("app-1"), ctx);
  const rewrite = (text: string) =>
    text.replaceAll(STREAM_KEY_FILE, join(dir, "key")).replaceAll(STREAM_TEMPLATE, join(dir, "template")).replaceAll(STREAM_CONF, join(dir, "stream.conf")).replace(/^chown .*$/m, "");
  writeFileSync(join(dir, "key"), key);
  writeFileSync(join(dir, "template"), step.files.find((f) => f.path === STREAM_TEMPLATE)!.content!);
  const script = `set -e\ncheck() {\n${rewrite(step.validate!)}\n}\ncheck\n${rewrite(step.run!)}\n`;
  const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  return { status: r.status ?? -1, stderr: r.stderr, ...(r.status === 0 ? { conf: readFileSync(join(dir, "stream.conf"), "utf8") } : {}) };
}

test("on the host: a UUID key is substituted; anything else fails the step without echoing it", () => {
  const good = compose("0b3c5a1e-1111-2222-3333-44444444abcd");
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.conf!, /^\tapi key = 0b3c5a1e-1111-2222-3333-44444444abcd$/m);
  for (const bad of ["not-a-uuid", "0b3c5a1e-1111-2222-3333-44444444abcd/x", "$(reboot)", "0b3c5a1e-1111-2222-3333-44444444abc&", "a\nb"]) {
    const r = compose(bad);
    assert.notEqual(r.status, 0, bad);
    assert.match(r.stderr, /must be a UUID/);
    assert.ok(!r.stderr.includes(bad), "the rejected value is not echoed");
  }
});
