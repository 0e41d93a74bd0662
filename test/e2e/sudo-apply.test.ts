// `vigil apply` as a new user runs it against an existing Debian 12 server that has a sudo user
// instead of root logins: `vigil apply <spec> --host box --target ssh://deploy@127.0.0.1:PORT`,
// the real CLI process over real SSH with deploy's own key, on the e2e container.
//
// Lean on purpose (the e2e lane is the CI budget): one node-role host with only node_exporter, the
// steps a host already provisioned by the earlier e2e files mostly has converged. What proves sudo
// is a deliberate drift (a file's bytes, mode and owner, the service stopped) that deploy's run
// must repair through `sudo -n`, and a second user whose sudo asks for a password: exit 1 at once
// with the fix named, and nothing on the host touched.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bootLocal, localStatus, stopLocal } from "../../bin/local-target.ts";
import { sshClose, sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { shq } from "../../provisioning/shell-quote.ts";
import { runVigil } from "../run-vigil.ts";
import { E2E_PORT, e2eOptions, SLOT_WAIT_MS } from "./support/target.ts";
import { scratchDir } from "../scratch-dir.ts";

const o = e2eOptions();
const SUDO_USER = "deploy";
/** A user whose sudo wants a password (the Debian default for a member of group sudo). */
const PASSWORD_USER = "asker";
const UNIT = "prometheus-node-exporter.service";
const DEFAULTS = "/etc/default/prometheus-node-exporter";

const dir = scratchDir("vigil-e2e-sudo-");
const specFile = join(dir, "existing.yaml");
const spec = `version: 1
environment: e2e
project: vigil
region: fra1
access: { user: ${SUDO_USER} }
hosts:
  - { name: box, roles: [node], existing: { address: 127.0.0.1, port: ${E2E_PORT} } }
stack:
  netdata: { enabled: false }
  fail2ban: { enabled: false }
  crowdsec: { enabled: false }
alerts:
  receivers: { ops: { webhook: { url: "http://127.0.0.1:9/alerts" } } }
  routes: [{ to: [ops] }]
`;
writeFileSync(specFile, spec);
const loaded = loadSpecText(spec, specFile);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
/** What `vigil apply` plans for the host: the files (path, mode, owner, content) to find on it. */
const plan = planForHost(loaded.spec, "box", offlineContext(loaded.spec));
const planFiles = plan.steps.flatMap((s) => s.files);

/** The users' own key, not the one vigil local logs in as root with. */
const userKey = join(dir, "id_ed25519");
let root: SshTarget;

/** As root in the container (setup and checks); fails the test on a non-zero exit. */
async function asRoot(command: string): Promise<string> {
  const r = await sshRun(root, command, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, `remote command failed (${r.code}): ${command}\n${r.stderr}`);
  return r.stdout;
}

const apply = (user: string) =>
  runVigil(["apply", specFile, "--host", "box", "--target", `ssh://${user}@127.0.0.1:${E2E_PORT}`, "--identity", userKey], {
    env: { XDG_CONFIG_HOME: dir }, // vigil's known_hosts for these runs, not the user's
    timeoutMs: 600_000,
  });

/** Path, mode, owner and sha256 of everything vigil keeps or writes for this plan. */
const snapshot = () =>
  asRoot(
    `find /var/lib/vigil ${planFiles.map((f) => shq(f.path)).join(" ")} -printf '%p %m %u:%g %T@\\n' 2>/dev/null | sort; ` +
      `sha256sum ${planFiles.map((f) => shq(f.path)).join(" ")}; systemctl is-active ${UNIT} || true`,
  );

before(async () => {
  root = (await bootLocal(o, { waitSlotMs: SLOT_WAIT_MS })).target;
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "vigil-e2e-sudo", "-f", userKey]);
  const pub = readFileSync(`${userKey}.pub`, "utf8").trim();
  // What an admin does on a fresh Debian 12 server (minbase has no sudo): install sudo, add the
  // users with the key, a NOPASSWD rule for deploy, the Debian default (password) for the other.
  await asRoot(`set -eu
export DEBIAN_FRONTEND=noninteractive
if ! command -v sudo >/dev/null; then
  apt-get install -y -q --no-install-recommends sudo >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends sudo >/dev/null; }
fi
for u in ${SUDO_USER} ${PASSWORD_USER}; do
  id -u "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
  install -d -m 0700 -o "$u" -g "$u" "/home/$u/.ssh"
  printf '%s\\n' ${shq(pub)} > "/home/$u/.ssh/authorized_keys"
  chown "$u:$u" "/home/$u/.ssh/authorized_keys"; chmod 0600 "/home/$u/.ssh/authorized_keys"
done
printf '%s\\n' '${SUDO_USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/e2e-${SUDO_USER}
printf '%s\\n' '${PASSWORD_USER} ALL=(ALL) ALL' > /etc/sudoers.d/e2e-${PASSWORD_USER}
chmod 0440 /etc/sudoers.d/e2e-${SUDO_USER} /etc/sudoers.d/e2e-${PASSWORD_USER}
echo '${PASSWORD_USER}:correct-horse-battery' | chpasswd
visudo -cq`);
});

after(async () => {
  try {
    await sshClose(root);
    await stopLocal(o);
  } finally {
    assert.equal(localStatus(o).running, false);
  }
});

test("as deploy (passwordless sudo), vigil apply converges the host and a second run changes nothing", { timeout: 900_000 }, async (t) => {
  // Login really is deploy, not root, and deploy cannot write what vigil writes without sudo.
  const deploy: SshTarget = { ...root, user: SUDO_USER, identity: userKey, knownHosts: join(dir, "kh-setup") };
  const who = await sshRun(deploy, "id -un; test -w /etc/default && echo writable || echo not-writable");
  await sshClose(deploy); // the CLI opens its own connection (and checks the host key itself)
  assert.equal(who.stdout, `${SUDO_USER}\nnot-writable\n`, who.stderr);

  const first = await apply(SUDO_USER);
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  t.diagnostic(first.stdout.trim().split("\n").at(-1)!);
  assert.match(first.stdout, new RegExp(`box \\(${SUDO_USER}@127\\.0\\.0\\.1:${E2E_PORT}\\): ${plan.steps.length} steps`));

  for (const f of planFiles) {
    assert.equal(await asRoot(`stat -c '%a %U:%G' ${shq(f.path)}`), `${Number.parseInt(f.mode, 8).toString(8)} ${f.owner}\n`, f.path);
    assert.equal(await asRoot(`cat ${shq(f.path)}`), f.content, f.path);
  }
  assert.equal(await asRoot(`systemctl is-active ${UNIT}`), "active\n");
  // The flags of vigil's file are in effect: the systemd collector reports node_exporter's own unit.
  assert.match(await asRoot("curl -sf -m 10 http://127.0.0.1:9100/metrics"), new RegExp(`node_systemd_unit_state\\{name="${UNIT.replace(".", "\\.")}",state="active"`));
  // Nothing vigil keeps on the host belongs to deploy: every write went through sudo.
  assert.equal(await asRoot(`find /var/lib/vigil ${planFiles.map((f) => shq(f.path)).join(" ")} ! -user root -print`), "");
  assert.equal(await asRoot("stat -c '%a %U:%G' /var/lib/vigil/stage"), "700 root:root\n");

  const second = await apply(SUDO_USER);
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stdout, new RegExp(`: ${plan.steps.length} steps, 0 changed, ${plan.steps.length} unchanged in `));
});

test("as deploy, vigil apply repairs a drifted file (bytes, mode, owner) and a stopped service through sudo", { timeout: 600_000 }, async () => {
  const want = planFiles.find((f) => f.path === DEFAULTS)!;
  await asRoot(`echo 'ARGS="--web.listen-address=0.0.0.0:9100"' > ${DEFAULTS}; chmod 0666 ${DEFAULTS}; chown nobody:nogroup ${DEFAULTS}; systemctl stop ${UNIT}`);
  const r = await apply(SUDO_USER);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^\[\s*\d+\/\d+\] node-exporter\s+changed /m);
  assert.match(r.stdout, new RegExp(`^ +wrote ${DEFAULTS}`, "m"));
  assert.match(r.stdout, new RegExp(`: ${plan.steps.length} steps, 1 changed, ${plan.steps.length - 1} unchanged in `));
  assert.equal(await asRoot(`stat -c '%a %U:%G' ${DEFAULTS}`), `644 root:root\n`);
  assert.equal(await asRoot(`cat ${DEFAULTS}`), want.content);
  assert.equal(await asRoot(`systemctl is-active ${UNIT}`), "active\n");
  assert.match(await asRoot("curl -sf -m 10 http://127.0.0.1:9100/metrics"), /^node_exporter_build_info/m);
});

test("as a user whose sudo asks for a password: exit 1 at once, the fix named, the host untouched", { timeout: 300_000 }, async () => {
  // A drift the run would repair if it could: it must still be there afterwards.
  await asRoot(`chmod 0600 ${DEFAULTS}`);
  const before = await snapshot();
  // runVigil kills the process after its timeout (code null): a prompt waiting for a password fails here.
  const r = await apply(PASSWORD_USER);
  assert.equal(r.code, 1, `${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, new RegExp(`^vigil apply: step "${plan.steps[0]!.id}" failed on box \\(${PASSWORD_USER}@127\\.0\\.0\\.1:${E2E_PORT}\\), exit 1; later steps did not run$`, "m"));
  assert.match(r.stderr, new RegExp(`${PASSWORD_USER} needs passwordless sudo: vigil runs every step with \`sudo -n\``));
  assert.match(r.stderr, new RegExp(`echo '${PASSWORD_USER} ALL=\\(ALL\\) NOPASSWD: ALL' > /etc/sudoers\\.d/vigil-${PASSWORD_USER}`));
  assert.match(r.stderr, /sudo: a password is required/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(await snapshot(), before, "nothing on the host changed");
  // Put the mode back for whoever uses the container next.
  const fixed = await apply(SUDO_USER);
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal(await asRoot(`stat -c %a ${DEFAULTS}`), "644\n");
});
