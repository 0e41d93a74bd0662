// CrowdSec: the rendered config, acquisition and hub-item enabling, checked by the real
// `crowdsec -t` and `cscli` against a temporary copy of the Debian package's /etc/crowdsec (the
// offline hub in /var/lib/crowdsec/hub is only read).
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import {
  CAPI_DISABLED,
  CROWDSEC_CAPI_CREDENTIALS,
  CROWDSEC_HUB,
  CROWDSEC_HUB_ITEMS_RECORD,
  crowdsecAcquisYaml,
  crowdsecConfig,
  crowdsecStep,
  crowdsecSteps,
  hubItemsProbe,
  hubItemsScript,
} from "../../provisioning/node/crowdsec.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { edited, run, stack, tempDir, type RunResult } from "./helpers.ts";

interface Sandbox {
  root: string;
  etc: string;
  config: string;
}

/**
 * A CrowdSec installation in a temporary directory: the package's /etc/crowdsec without any
 * enabled hub item, the step's files written over it with every path moved into the sandbox
 * (config, data, database, logs); the hub is the machine's, read-only.
 */
function sandbox(t: { after(fn: () => void): void }, spec: Spec): Sandbox {
  const root = tempDir(t, "crowdsec");
  const etc = join(root, "etc/crowdsec");
  cpSync("/etc/crowdsec", etc, { recursive: true, verbatimSymlinks: true });
  for (const type of ["collections", "parsers", "scenarios", "postoverflows"]) rmSync(join(etc, type), { recursive: true, force: true });
  mkdirSync(join(root, "data"), { recursive: true });
  mkdirSync(join(root, "log"), { recursive: true });
  for (const f of readdirSync("/usr/share/crowdsec/data")) cpSync(join("/usr/share/crowdsec/data", f), join(root, "data", f));
  const relocate = (text: string) =>
    text.replaceAll("/etc/crowdsec/", `${etc}/`).replaceAll("/var/lib/crowdsec/data/", `${root}/data/`).replaceAll("/var/log/", `${root}/log/`);
  for (const f of crowdsecStep(spec).files) {
    assert.ok(f.path.startsWith("/etc/crowdsec/"), f.path);
    const target = join(etc, f.path.slice("/etc/crowdsec/".length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, relocate(f.content ?? ""));
  }
  return { root, etc, config: join(etc, "config.yaml") };
}

/** The step's hub-item script for these collections, run into the sandbox (its record there too). */
function enableCollections(box: Sandbox, collections: string[]): RunResult {
  return run("bash", ["-c", `set -euo pipefail\n${hubItemsScript(collections, box.etc, join(box.root, "hub-items"))}`]);
}

/** The step's probe of the hub items, against the sandbox: 0 when nothing changed since the script ran. */
const hubItemsProbeStatus = (box: Sandbox) => run("bash", ["-c", `set -euo pipefail\n${hubItemsProbe(box.etc, join(box.root, "hub-items"))}`]).status;

const crowdsecTest = (box: Sandbox) => run("crowdsec", ["-c", box.config, "-t"], { cwd: box.root });

/** cscli's own view of the collections (offline: --branch skips its version lookup). */
function enabledCollections(box: Sandbox): string[] {
  const r = run("cscli", ["-c", box.config, "--branch", "master", "collections", "list", "-o", "raw"], { cwd: box.root });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .split("\n")
    .slice(1)
    .filter((line) => /^[^,]+,"?enabled/.test(line))
    .map((line) => line.split(",")[0]!)
    .sort();
}

test("the rendered configuration with the spec's collections passes crowdsec -t, Central API on and off", (t) => {
  for (const spec of [stack("prod"), stack("dev")]) {
    const box = sandbox(t, spec);
    const enabled = enableCollections(box, spec.stack.crowdsec.collections);
    assert.equal(enabled.status, 0, enabled.stderr);
    const r = crowdsecTest(box);
    assert.equal(r.status, 0, `${spec.environment}: ${r.stderr}`);
    // linux pulls in sshd; cscli agrees they are enabled
    assert.deepEqual(enabledCollections(box), ["crowdsecurity/linux", "crowdsecurity/sshd"]);
  }
});

test("enabling hub items makes Debian's symlinks, only when missing, without the network", (t) => {
  const box = sandbox(t, stack("dev"));
  const first = enableCollections(box, ["crowdsecurity/sshd"]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /enabled CrowdSec collections crowdsecurity\/sshd/);
  assert.match(first.stdout, /enabled CrowdSec parsers crowdsecurity\/sshd-logs/);
  assert.match(first.stdout, /enabled CrowdSec scenarios crowdsecurity\/ssh-bf/);
  // vendor dropped from the link's path, stage kept, target in the hub (as Debian's postinst does)
  const parser = join(box.etc, "parsers/s01-parse/sshd-logs.yaml");
  assert.ok(lstatSync(parser).isSymbolicLink());
  assert.equal(readlinkSync(parser), `${CROWDSEC_HUB}/parsers/s01-parse/crowdsecurity/sshd-logs.yaml`);
  assert.equal(readlinkSync(join(box.etc, "collections/sshd.yaml")), `${CROWDSEC_HUB}/collections/crowdsecurity/sshd.yaml`);
  // a second run changes nothing and says nothing
  const again = enableCollections(box, ["crowdsecurity/sshd"]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, "");
  // an item the hub lacks fails, naming it
  const missing = enableCollections(box, ["crowdsecurity/no-such-thing"]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /CrowdSec collections crowdsecurity\/no-such-thing is not in the hub/);
});

test("the enabled hub items are the spec's collections and the whitelists parser, not what Debian's postinst linked", (t) => {
  const box = sandbox(t, stack("prod"));
  // Debian's first install links the apache2 and nginx collections with their parsers and scenarios
  const debian = (dir: string, name: string) => {
    const link = join(box.etc, dir, name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(`${CROWDSEC_HUB}/${dir}/crowdsecurity/${name}`, link);
    return link;
  };
  const apache = debian("collections", "apache2.yaml");
  const nginxParser = debian("parsers/s01-parse", "nginx-logs.yaml");
  const scenario = debian("scenarios", "http-probing.yaml");
  // the admin's own scenario (a file) and a link that points outside the hub are not vigil's
  const own = join(box.etc, "scenarios/my-app-bf.yaml");
  writeFileSync(own, "# the admin's\n");
  const elsewhere = join(box.etc, "parsers/s01-parse/my-app-logs.yaml");
  symlinkSync(join(box.root, "my-app-logs.yaml"), elsewhere);

  const r = enableCollections(box, ["crowdsecurity/linux", "crowdsecurity/sshd"]);
  assert.equal(r.status, 0, r.stderr);
  for (const gone of [apache, nginxParser, scenario]) assert.ok(!existsSync(gone) && !lstatSync(gone, { throwIfNoEntry: false }), gone);
  assert.match(r.stdout, /disabled CrowdSec collections\/apache2\.yaml \(not in stack\.crowdsec\.collections\)/);
  assert.match(r.stdout, /disabled CrowdSec parsers\/s01-parse\/nginx-logs\.yaml/);
  assert.match(r.stdout, /enabled CrowdSec parsers crowdsecurity\/whitelists/);
  assert.ok(lstatSync(own).isFile() && lstatSync(elsewhere).isSymbolicLink());
  assert.deepEqual(enabledCollections(box), ["crowdsecurity/linux", "crowdsecurity/sshd"]);
  // the record names exactly the hub links left, and the probe agrees with the host
  const record = readFileSync(join(box.root, "hub-items"), "utf8").trim().split("\n").map((l) => l.slice(box.etc.length + 1));
  assert.deepEqual(record, [
    "collections/linux.yaml",
    "collections/sshd.yaml",
    "parsers/s00-raw/syslog-logs.yaml",
    "parsers/s01-parse/sshd-logs.yaml",
    "parsers/s02-enrich/dateparse-enrich.yaml",
    "parsers/s02-enrich/whitelists.yaml",
    "scenarios/ssh-bf.yaml",
    "scenarios/ssh-slow-bf.yaml",
  ]);
  assert.equal(hubItemsProbeStatus(box), 0);
  assert.equal(crowdsecTest(box).status, 0);
  // an item linked by hand afterwards (cscli, or a package upgrade) makes the probe fail, so the
  // next apply runs the step, which removes it again
  debian("scenarios", "http-probing.yaml");
  assert.equal(hubItemsProbeStatus(box), 1);
  assert.equal(enableCollections(box, ["crowdsecurity/linux", "crowdsecurity/sshd"]).status, 0);
  assert.equal(hubItemsProbeStatus(box), 0);
  // so does a spec item removed by hand
  rmSync(join(box.etc, "scenarios/ssh-bf.yaml"));
  assert.equal(hubItemsProbeStatus(box), 1);
  // the step's own text runs this script and this probe, on the host's paths
  const step = crowdsecStep(stack("prod"));
  assert.ok((step.run ?? "").includes(hubItemsScript(stack("prod").stack.crowdsec.collections)));
  assert.ok(step.probe!.includes(hubItemsProbe()));
  assert.match(hubItemsScript([]), new RegExp(`> '${CROWDSEC_HUB_ITEMS_RECORD}'`));
});

test("crowdsec -t rejects a broken acquisition, so the step keeps the old files", (t) => {
  const box = sandbox(t, stack("dev"));
  writeFileSync(join(box.etc, "acquis.yaml"), "source: nosuch\nlabels:\n  type: syslog\n");
  const r = crowdsecTest(box);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unknown data source nosuch/);
});

test("Central API off: no online_client, and a credentials file that keeps the postinst from registering", () => {
  const off = edited(stack("prod"), (s) => void (s.stack.crowdsec.centralApi = false));
  const server = (spec: Spec) => (crowdsecConfig(spec).api as { server: Record<string, unknown> }).server;
  assert.equal(server(off).online_client, undefined);
  const creds = crowdsecStep(off).files.find((f) => f.path === CROWDSEC_CAPI_CREDENTIALS);
  assert.deepEqual(creds && { mode: creds.mode, content: creds.content }, { mode: "0600", content: CAPI_DISABLED });
  // Debian's postinst registers only when this file is empty; the comment is not, and holds no login
  assert.ok(CAPI_DISABLED.trim().startsWith("#"));
  assert.equal(parse(CAPI_DISABLED), null);
  const postinst = readFileSync("/var/lib/dpkg/info/crowdsec.postinst", "utf8");
  assert.match(postinst, /if \[ ! -s "\$CAPI" \]; then\n\s+echo "I: Registering to CAPI/);
  assert.ok(!(crowdsecStep(off).run ?? "").includes("capi register"));
});

test("Central API on: online_client kept, the postinst kept offline, vigil registers and tolerates failure", () => {
  const on = stack("prod");
  assert.equal(on.stack.crowdsec.centralApi, true);
  const step = crowdsecStep(on);
  assert.deepEqual((crowdsecConfig(on).api as { server: { online_client: unknown } }).server.online_client, { credentials_path: CROWDSEC_CAPI_CREDENTIALS });
  // registered credentials are never overwritten: the file is not among the step's files...
  assert.ok(!step.files.some((f) => f.path === CROWDSEC_CAPI_CREDENTIALS));
  const run = step.run ?? "";
  // ...it is created before the install only when empty or absent
  const create = run.indexOf(`if [ ! -s ${CROWDSEC_CAPI_CREDENTIALS} ]`);
  const install = run.indexOf("apt-get install");
  assert.ok(create >= 0 && create < install, run);
  assert.match(run, /if ! grep -q '\^login:' \/etc\/crowdsec\/online_api_credentials\.yaml; then\n\s+timeout 30 cscli --error capi register \|\| echo "vigil-step: warning/);
});

test("acquisition: sshd from the journal, web logs only for the web collections", () => {
  const docs = (spec: Spec) => parseAllDocuments(crowdsecAcquisYaml(spec)).map((d) => d.toJS());
  assert.deepEqual(docs(stack("prod")), [{ source: "journalctl", journalctl_filter: ["_SYSTEMD_UNIT=ssh.service"], labels: { type: "syslog" } }]);
  const web = edited(stack("prod"), (s) => void s.stack.crowdsec.collections.push("crowdsecurity/nginx"));
  assert.deepEqual(docs(web)[1], { filenames: ["/var/log/nginx/*.log"], labels: { type: "nginx" } });
});

test("the firewall bouncer is installed only when enabled, and stopped when the spec turns it off", () => {
  const ids = (spec: Spec) => crowdsecSteps(spec).map((s) => s.id);
  assert.deepEqual(ids(stack("prod")), ["crowdsec", "crowdsec-firewall-bouncer"]);
  assert.deepEqual(ids(stack("dev")), ["crowdsec", "crowdsec-firewall-bouncer-off"]);
  assert.deepEqual(ids(edited(stack("prod"), (s) => void (s.stack.crowdsec.enabled = false))), ["crowdsec-off"]);
  assert.ok(existsSync("/usr/bin/crowdsec"), "crowdsec is installed (.ci/run)");
});
