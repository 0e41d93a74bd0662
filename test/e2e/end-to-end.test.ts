// End to end on a real Debian 12 host: a debootstrap root booted with systemd-nspawn (systemd as
// PID 1), reached over real SSH. One file, one container, subtests in order: the container is
// shared, and a second file would fight over it (and over this machine's loopback ports).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { bootLocal, localStatus, purgeLocal, stopLocal } from "../../bin/local-target.ts";
import { sshClose, sshRun, type SshTarget } from "../../bin/ssh-transport.ts";
import { applyHostPlan, type ApplyOutcome } from "../../bin/commands/apply.ts";
import type { HostPlan, PlanStep } from "../../provisioning/plan.ts";
import { stepCommand } from "../../provisioning/step-script.ts";
import { e2eOptions, SLOT_WAIT_MS } from "./support/target.ts";

const o = e2eOptions();
let target: SshTarget;

before(async () => {
  const boot = await bootLocal(o, { fresh: true, waitSlotMs: SLOT_WAIT_MS });
  target = boot.target;
});

after(async () => {
  // Always: power off and delete the root, even when a test failed.
  await stopLocal(o);
  purgeLocal(o);
  assert.equal(localStatus(o).running, false);
});

/** Runs a command in the container; fails the test on a non-zero exit. */
async function sh(command: string, stdin?: string): Promise<string> {
  const r = await sshRun(target, command, { stdin, timeoutMs: 120_000 });
  assert.equal(r.code, 0, `remote command failed (${r.code}): ${command}\n${r.stderr}`);
  return r.stdout;
}

const plan = (...steps: PlanStep[]): HostPlan => ({ host: "e2e", roles: ["node"], steps });
const statuses = (o: ApplyOutcome) => o.steps.map((s) => `${s.id}:${s.status}`);
const quiet = () => {};

test("the container is Debian 12 with systemd as PID 1, reached over SSH", async () => {
  assert.match(await sh("cat /etc/debian_version"), /^12\./);
  assert.equal((await sh("ps -o comm= -p 1")).trim(), "systemd");
  assert.match(await sh("systemctl is-system-running"), /^(running|degraded)/);
  // sshd listens on this machine's loopback only.
  assert.equal(await sh(`ss -Htln 'sport = :${o.port}' | awk '{print $4}'`), `127.0.0.1:${o.port}\n`);
});

test("a second boot finds the running container instead of starting another", async () => {
  const again = await bootLocal(o);
  assert.equal(again.reused, true);
  assert.equal(again.pid, localStatus(o).pid);
});

const tricky = `it's "quoted" $HOME \`uname\` \\ back\\slash\n${"ünïcödé ✓"}\n$(reboot)\n`;
const fileStep: PlanStep = {
  id: "e2e-file",
  description: "a file with every shell metacharacter",
  files: [{ path: "/etc/vigil-e2e/demo.conf", mode: "0640", owner: "root:root", content: tricky }],
  run: "echo ran >> /var/tmp/e2e-file-runs",
};
const secretValue = `s3cr3t-'"$x\`-${randomBytes(8).toString("hex")}`;
const secretStep: PlanStep = {
  id: "e2e-secret",
  description: "a secret file",
  files: [{ path: "/etc/vigil-e2e/token", mode: "0600", owner: "root:root", secret: "e2eToken" }],
};

test("apply writes files byte-exact, then a re-run changes nothing", async () => {
  const first = await applyHostPlan(plan(fileStep, secretStep), target, { e2eToken: secretValue }, quiet);
  assert.equal(first.failure, undefined, JSON.stringify(first.failure));
  assert.deepEqual(statuses(first), ["e2e-file:changed", "e2e-secret:changed"]);
  assert.equal(await sh("cat /etc/vigil-e2e/demo.conf"), tricky);
  assert.equal(await sh("stat -c '%a %U:%G' /etc/vigil-e2e/demo.conf /etc/vigil-e2e/token"), "640 root:root\n600 root:root\n");
  assert.equal(await sh("cat /etc/vigil-e2e/token"), secretValue);

  const second = await applyHostPlan(plan(fileStep, secretStep), target, { e2eToken: secretValue }, quiet);
  assert.deepEqual(statuses(second), ["e2e-file:unchanged", "e2e-secret:unchanged"]);
  assert.equal(await sh("cat /var/tmp/e2e-file-runs"), "ran\n", "run executes only when the step changed");
});

test("a secret value is never left on the host outside its target file", async () => {
  const r = await sshRun(target, "grep -rlF -- \"$(cat /etc/vigil-e2e/token)\" /var/lib/vigil /tmp /var/tmp /run /root || true");
  assert.equal(r.stdout.trim(), "");
});

test("a file edited on the host is put back by the next apply", async () => {
  await sh("echo drift > /etc/vigil-e2e/demo.conf; chmod 0666 /etc/vigil-e2e/demo.conf");
  const r = await applyHostPlan(plan(fileStep), target, {}, quiet);
  assert.deepEqual(statuses(r), ["e2e-file:changed"]);
  assert.equal(await sh("cat /etc/vigil-e2e/demo.conf"), tricky);
  assert.equal(await sh("stat -c %a /etc/vigil-e2e/demo.conf"), "640\n");
});

test("a failing validation keeps the old file, stops the apply and names step, command and stderr", async () => {
  const good: PlanStep = {
    id: "e2e-validated",
    description: "a config its validator accepts",
    files: [{ path: "/etc/vigil-e2e/v.conf", mode: "0644", owner: "root:root", content: "good\n" }],
    validate: `grep -qx good /etc/vigil-e2e/v.conf || { echo "v.conf: expected good" >&2; false; }`,
  };
  const bad: PlanStep = { ...good, files: [{ ...good.files[0]!, content: "bad\n" }] };
  const later: PlanStep = { id: "e2e-later", description: "must not run", files: [], run: "touch /var/tmp/e2e-later-ran" };
  assert.deepEqual(statuses(await applyHostPlan(plan(good), target, {}, quiet)), ["e2e-validated:changed"]);
  const lines: string[] = [];
  const r = await applyHostPlan(plan(bad, later), target, {}, (l) => lines.push(l));
  assert.deepEqual(statuses(r), ["e2e-validated:failed"]);
  assert.equal(r.failure?.step, "e2e-validated");
  assert.equal(r.failure?.command, stepCommand(bad));
  assert.match(r.failure?.stderr ?? "", /v\.conf: expected good/);
  assert.match(r.failure?.stderr ?? "", /previous files are back in place/);
  assert.match(lines[0] ?? "", /e2e-validated\s+failed/);
  assert.equal(await sh("cat /etc/vigil-e2e/v.conf"), "good\n");
  assert.equal((await sshRun(target, "test -e /var/tmp/e2e-later-ran")).code, 1);
});

test("a missing secret fails its step before anything runs on the host", async () => {
  const r = await applyHostPlan(plan(secretStep), target, {}, quiet);
  assert.equal(r.failure?.step, "e2e-secret");
  assert.match(r.failure?.stderr ?? "", /secret "e2eToken" has no value/);
  assert.doesNotMatch(r.failure?.stderr ?? "", new RegExp(secretValue.slice(-16)));
});

test("an apply whose SSH connection is killed half way converges on the next run", async () => {
  await sh("rm -f /run/e2e-slow-started /var/tmp/e2e-slow-done");
  const slow: PlanStep = {
    id: "e2e-slow",
    description: "a step that takes a while",
    files: [{ path: "/etc/vigil-e2e/slow.conf", mode: "0644", owner: "root:root", content: "slow\n" }],
    probe: "test -e /var/tmp/e2e-slow-done",
    run: "touch /run/e2e-slow-started; sleep 4; touch /var/tmp/e2e-slow-done",
  };
  const last: PlanStep = { id: "e2e-last", description: "after the slow one", files: [{ path: "/etc/vigil-e2e/last.conf", mode: "0644", owner: "root:root", content: "last\n" }] };
  const steps = plan(fileStep, slow, last);
  const running = applyHostPlan(steps, target, {}, quiet);
  // Wait until the slow step is running on the host, then cut the shared connection.
  for (let i = 0; i < 200 && (await sshRun(target, "test -e /run/e2e-slow-started")).code !== 0; i++) await sleep(50);
  await sshClose(target);
  const cut = await running;
  assert.equal(cut.failure?.step, "e2e-slow", JSON.stringify(statuses(cut)));

  const rerun = await applyHostPlan(steps, target, {}, quiet);
  assert.equal(rerun.failure, undefined, JSON.stringify(rerun.failure));
  assert.equal(rerun.steps.at(-1)?.status, "changed");
  assert.equal(await sh("cat /etc/vigil-e2e/slow.conf /etc/vigil-e2e/last.conf; test -e /var/tmp/e2e-slow-done && echo done"), "slow\nlast\ndone\n");
  const third = await applyHostPlan(steps, target, {}, quiet);
  assert.deepEqual(statuses(third), ["e2e-file:unchanged", "e2e-slow:unchanged", "e2e-last:unchanged"]);
});
