// The SSH transport's pure parts: target URLs, ssh options, secret variable names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSshUrl, sshArgs } from "../../bin/ssh-transport.ts";
import { secretEnvName } from "../../bin/apply-engine.ts";

test("ssh:// targets parse into user, host and port", () => {
  assert.deepEqual(parseSshUrl("ssh://root@127.0.0.1:2222"), { user: "root", host: "127.0.0.1", port: 2222 });
  assert.deepEqual(parseSshUrl("ssh://deploy@db-1.example.net"), { user: "deploy", host: "db-1.example.net", port: 22 });
  assert.deepEqual(parseSshUrl("ssh://root@[::1]:22"), { user: "root", host: "::1", port: 22 });
  for (const bad of ["root@1.2.3.4", "ssh://1.2.3.4:22", "ssh://root@host:99999", "ssh://root@ho st", "http://root@h"]) {
    assert.ok("error" in parseSshUrl(bad), bad);
  }
});

test("the command is the last ssh argument, after --, exactly as given", () => {
  const args = sshArgs({ user: "root", host: "127.0.0.1", port: 2222, knownHosts: join(tmpdir(), "vigil-kh-test") });
  assert.equal(args.at(-1), "127.0.0.1");
  assert.ok(args.includes("BatchMode=yes"));
  assert.ok(args.includes("StrictHostKeyChecking=accept-new"));
});

test("secret names map to VIGIL_SECRET_<UPPER_SNAKE>", () => {
  assert.equal(secretEnvName("slackWebhook"), "VIGIL_SECRET_SLACK_WEBHOOK");
  assert.equal(secretEnvName("pagerdutyRoutingKey"), "VIGIL_SECRET_PAGERDUTY_ROUTING_KEY");
  assert.equal(secretEnvName("smtp_password"), "VIGIL_SECRET_SMTP_PASSWORD");
  assert.equal(secretEnvName("APIKey2"), "VIGIL_SECRET_API_KEY2");
});

test("a login user other than root: upload and step under sudo -n, the same text as Pulumi's", async () => {
  const { stepRemoteCommands } = await import("../../bin/apply-engine.ts");
  const step = { id: "demo", description: "d", files: [{ path: "/etc/demo", mode: "0644", owner: "root:root", content: "x\n" }] };
  const root = stepRemoteCommands(step, "root");
  const deploy = stepRemoteCommands(step, "deploy");
  assert.doesNotMatch(root.upload.command, /sudo/);
  assert.equal(deploy.upload.command, `sudo -n ${root.upload.command}`);
  assert.equal(deploy.run.command, `sudo -n ${root.run.command}`);
  assert.equal(deploy.upload.stdin, root.upload.stdin);
});

test("sudo asking for a password, missing or refusing gets a hint naming the fix", async () => {
  const { remoteFailureHint } = await import("../../bin/apply-engine.ts");
  assert.match(remoteFailureHint("deploy", 1, "sudo: a password is required\n")!, /deploy needs passwordless sudo: .*NOPASSWD/);
  assert.match(remoteFailureHint("deploy", 127, "bash: line 1: sudo: command not found\n")!, /sudo is not installed on the host/);
  assert.match(remoteFailureHint("deploy", 1, "deploy is not in the sudoers file.\n")!, /may not run commands as root/);
  assert.equal(remoteFailureHint("root", 1, "sudo: a password is required\n"), undefined);
  assert.equal(remoteFailureHint("deploy", 1, "promtool: error\n"), undefined);
});
