// `--stack NAME`: the hub commands find the hub in a Pulumi stack's `hosts` output. The Pulumi
// CLI cannot reach a backend here (and is not a Debian package), so a stand-in `pulumi` on PATH
// prints a recorded `pulumi stack output hosts --json` (the engine/CLI is the one thing mocked);
// everything after it is real: the spec load, the SSH forwards through a real sshd, and the real
// Prometheus and Alertmanager of the mini hub that status, silence and report then query.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecText } from "../../schema/load-spec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { openSpecAndHub } from "../../bin/hub-session.ts";
import { parseStackHosts, stackHubTargets, stackNameProblem, stackOutputArgs, StackHostsError } from "../../bin/stack-hosts.ts";
import { HubUnreachable } from "../../bin/hub-connection.ts";
import { buildStatus, collectStatus } from "../../bin/fleet-status.ts";
import { amSilences } from "../../bin/hub-api.ts";
import { collectReport, statusPageHtml } from "../../bin/status-page.ts";
import { runVigil } from "../run-vigil.ts";
import { freePort } from "../node-role/helpers.ts";
import { MINI_HUB_SPEC, startMiniHub, type MiniHub } from "./mini-hub.ts";

const dir = mkdtempSync(join(tmpdir(), "vigil-stack-test-"));
const binDir = join(dir, "bin");
const argsFile = join(dir, "pulumi-args");
const outputFile = join(dir, "hosts.json");
let hub: MiniHub;
let specFile: string;

/** The mini hub's spec with its hosts at existing addresses; hub-1 on `hubPort`, a pair when asked. */
function specWith(hubPort: number, pair = false): string {
  return MINI_HUB_SPEC.replace(
    "  - { name: hub-1, roles: [hub] }\n",
    `  - { name: hub-1, roles: [hub], existing: { address: 127.0.0.1, port: ${hubPort} } }\n` +
      (pair ? `  - { name: hub-2, roles: [hub], existing: { address: 127.0.0.1, port: ${hubPort} } }\n` : ""),
  ).replace("  - { name: app-1, roles: [node] }\n", "  - { name: app-1, roles: [node], existing: { address: 192.0.2.10 } }\n");
}

/** What `pulumi stack output hosts --json` prints for an index.ts `hosts` output (2-space JSON). */
function recordOutput(hosts: unknown): void {
  writeFileSync(outputFile, `${JSON.stringify(hosts, null, 2)}\n`);
}
const host = (publicAddress: string, roles: string[]) => ({ privateAddress: "10.110.0.2", publicAddress, roles });

const env = () => ({
  PATH: `${binDir}:${process.env.PATH}`,
  // vigil's own known_hosts goes to the test's directory, not the user's ~/.config.
  XDG_CONFIG_HOME: join(dir, "config"),
});

before(async () => {
  // The stand-in answers exactly the call vigil must make, like `pulumi` with a local backend
  // would (stack not found: its message and exit 255), and records its arguments.
  mkdirSync(binDir);
  writeFileSync(
    join(binDir, "pulumi"),
    `#!/bin/sh
printf '%s\\n' "$@" > '${argsFile}'
[ "$PULUMI_SKIP_UPDATE_CHECK" = true ] || { echo "error: would check for updates" >&2; exit 255; }
if [ "$1 $2 $3 $4 $5" != "stack output hosts --json --stack" ] || [ $# -ne 6 ]; then echo "error: unexpected call: $*" >&2; exit 255; fi
if [ "$6" != mini ]; then echo "error: no stack named '$6' found" >&2; exit 255; fi
cat '${outputFile}'
`,
  );
  chmodSync(join(binDir, "pulumi"), 0o755);
  hub = await startMiniHub();
  specFile = join(dir, "mini.yaml");
  writeFileSync(specFile, specWith(hub.sshd.target.port));
});
after(async () => {
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function miniSpec(text = specWith(22, true)): Spec {
  const r = loadSpecText(text, "mini.yaml");
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  return r.spec;
}

test("stack hosts: the hubs of the output, in the spec's order, with the spec's user and SSH port", () => {
  const spec = miniSpec();
  const hosts = parseStackHosts("mini", JSON.stringify({ "hub-2": host("203.0.113.21", ["hub"]), "app-1": host("192.0.2.10", ["node"]), "hub-1": host("2001:db8::1", ["node", "hub"]) }));
  assert.deepEqual(stackHubTargets(spec, "mini", hosts, { identity: "/k", knownHosts: "/kh" }), [
    { user: "root", host: "2001:db8::1", port: 22, identity: "/k", knownHosts: "/kh" },
    { user: "root", host: "203.0.113.21", port: 22, identity: "/k", knownHosts: "/kh" },
  ]);
  assert.throws(() => stackHubTargets(spec, "mini", parseStackHosts("mini", JSON.stringify({ "app-1": host("192.0.2.10", ["node"]) })), { knownHosts: "/kh" }), /stack mini: no host in output "hosts" has the hub role/);
  assert.throws(
    () => stackHubTargets(spec, "mini", parseStackHosts("mini", JSON.stringify({ "hub-9": host("192.0.2.10", ["hub"]) })), { knownHosts: "/kh" }),
    /stack mini: hub "hub-9" is not a host of mini's spec: does this stack deploy that spec\?/,
  );
  assert.deepEqual(stackOutputArgs("acme/vigil/prod"), ["stack", "output", "hosts", "--json", "--stack", "acme/vigil/prod"]);
});

test("stack hosts: hostile values in the output or the stack name are refused, never run", () => {
  for (const address of ["203.0.113.20;reboot", "-oProxyCommand=touch /tmp/pwned", "$(id)", "`id`", "a b", "host\n-oProxyCommand=x", "[secret]", "", "203.0.113.20:22", 42, null]) {
    assert.throws(
      () => parseStackHosts("mini", JSON.stringify({ "hub-1": { ...host("203.0.113.20", ["hub"]), publicAddress: address } })),
      (err: unknown) => err instanceof StackHostsError && err instanceof HubUnreachable && /hosts\."hub-1"\.publicAddress: .* is not an IP address or host name/.test(err.message),
      String(address),
    );
  }
  assert.throws(() => parseStackHosts("mini", JSON.stringify({ "hub-1": { ...host("203.0.113.20", ["hub"]), privateAddress: "$(reboot)" } })), /privateAddress: "\$\(reboot\)" is not/);
  assert.throws(() => parseStackHosts("mini", JSON.stringify({ "hub-1": { ...host("203.0.113.20", ["hub"]), roles: "hub" } })), /hosts\."hub-1"\.roles is not a list of roles/);
  assert.throws(() => parseStackHosts("mini", JSON.stringify({ "hub-1": "203.0.113.20" })), /is not \{ publicAddress, privateAddress, roles \}/);
  assert.throws(() => parseStackHosts("mini", "[1]"), /output "hosts" is not a map of hosts/);
  assert.throws(() => parseStackHosts("mini", "warning: x\n{"), /did not print JSON/);
  for (const name of ["-x", "--show-secrets", "a b", "x;y", "../x", ".x", "a/b/c/d", "", "$(id)"]) assert.ok(stackNameProblem(name), name);
  for (const name of ["prod", "acme/prod", "acme/vigil/prod-2", "dev_1.a"]) assert.equal(stackNameProblem(name), undefined, name);
});

test("--stack: status, silence and report reach the hub named by the stack output (stand-in pulumi, real sshd and hub)", async () => {
  recordOutput({ "app-1": host("192.0.2.10", ["node"]), "hub-1": host("127.0.0.1", ["hub"]) });
  const saved = { PATH: process.env.PATH, XDG_CONFIG_HOME: process.env.XDG_CONFIG_HOME };
  Object.assign(process.env, env());
  try {
    const session = await openSpecAndHub("status", specFile, { stack: "mini", identity: hub.sshd.target.identity! }, { ports: hub.ports });
    assert.notEqual(typeof session, "number", "no hub from the stack");
    if (typeof session === "number") return;
    try {
      assert.equal(session.hub.where, `root@127.0.0.1:${hub.sshd.target.port}`.replace("root", hub.sshd.target.user));
      assert.deepEqual(readFileSync(argsFile, "utf8").split("\n").filter(Boolean), ["stack", "output", "hosts", "--json", "--stack", "mini"]);
      // status, silence list and report read the hub's real state through it.
      const status = buildStatus(session.spec, await collectStatus(session.hub), new Date());
      assert.deepEqual(status.alerts.map((a) => a.alertname), ["Pm2AppDown", "DiskAlmostFull"]);
      assert.ok(Array.isArray(await amSilences(session.hub)));
      const html = statusPageHtml(await collectReport(session.hub, session.spec, new Date()));
      assert.match(html, /api-availability/);
    } finally {
      await session.hub.close();
    }
    // vigil's own known_hosts under XDG_CONFIG_HOME recorded the hub's key (accept-new), as for --target.
    assert.ok(existsSync(join(dir, "config", "vigil", "known_hosts")));
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
});

test("vigil status|silence|report --stack: the CLI resolves the hub from the stack, and says why when it cannot", async () => {
  // The spec puts hub-1's SSH on a closed port: the CLI tries exactly the stack's address there.
  const closed = await freePort();
  const closedSpec = join(dir, "closed.yaml");
  writeFileSync(closedSpec, specWith(closed));
  recordOutput({ "hub-1": host("127.0.0.1", ["hub"]), "app-1": host("192.0.2.10", ["node"]) });
  for (const args of [["status", closedSpec], ["silence", "list", closedSpec], ["report", closedSpec, "--out", join(dir, "out")]]) {
    const r = await runVigil([...args, "--stack", "mini"], { env: env() });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^vigil ${args[0]}: cannot reach the hub:\\n  root@127\\.0\\.0\\.1:${closed}: .*refused`, "m"), r.stderr);
  }
  // A hostile address in the output: refused before any ssh runs.
  recordOutput({ "hub-1": host("-oProxyCommand=touch /tmp/vigil-pwned", ["hub"]) });
  const hostile = await runVigil(["status", closedSpec, "--stack", "mini"], { env: env() });
  assert.equal(hostile.code, 2);
  assert.match(hostile.stderr, /stack mini: hosts\."hub-1"\.publicAddress: "-oProxyCommand=touch \/tmp\/vigil-pwned" is not an IP address or host name/);
  assert.ok(!existsSync("/tmp/vigil-pwned"));
  // The Pulumi CLI's own failure, a bad stack name, and --stack with --target.
  const unknown = await runVigil(["status", closedSpec, "--stack", "prod"], { env: env() });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /stack prod: `pulumi stack output hosts --json --stack prod` failed: error: no stack named 'prod' found/);
  const bad = await runVigil(["silence", "list", closedSpec, "--stack=-x;reboot"], { env: env() });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /vigil silence: --stack "-x;reboot" is not a Pulumi stack name/);
  const both = await runVigil(["status", closedSpec, "--stack", "mini", "--target", "ssh://root@127.0.0.1:1"], { env: env() });
  assert.equal(both.code, 1);
  assert.match(both.stderr, /vigil status: give --target or --stack, not both/);
  // An invalid spec is still exit 1 with its located error, whatever the stack says.
  const broken = join(dir, "broken.yaml");
  writeFileSync(broken, specWith(closed).replace("objective: 99", "objective: 101"));
  const invalid = await runVigil(["status", broken, "--stack", "mini"], { env: env() });
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /broken\.yaml:\d+:\d+ slos\[0\]\.objective: /);
});
