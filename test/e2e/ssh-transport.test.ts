// The SSH transport's pure parts: target URLs, the tar stream it uploads, secret variable names.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSshUrl, sshArgs, tarArchive } from "../../bin/ssh-transport.ts";
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

test("tarArchive output unpacks with GNU tar to the same bytes and modes", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-tar-"));
  try {
    const long = `files/${"d".repeat(80)}/${"e".repeat(60)}/${"f".repeat(90)}.conf`;
    const files = [
      { path: "step.sh", mode: "0700", content: "#!/bin/bash\necho 'quotes' \"double\" $HOME `tick`\n" },
      { path: "files/etc/x/ünïcode.yml", mode: "0600", content: "a: ✓\n" },
      { path: long, mode: "0644", content: Buffer.alloc(1025, 7) },
      { path: "files/empty", mode: "0600", content: "" },
    ];
    execFileSync("tar", ["-x", "--no-same-owner", "-C", dir, "-f", "-"], { input: tarArchive(files) });
    for (const f of files) {
      const got = readFileSync(join(dir, f.path));
      assert.deepEqual(got, typeof f.content === "string" ? Buffer.from(f.content) : f.content, f.path);
      assert.equal((statSync(join(dir, f.path)).mode & 0o777).toString(8), f.mode.slice(1), f.path);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("secret names map to VIGIL_SECRET_<UPPER_SNAKE>", () => {
  assert.equal(secretEnvName("slackWebhook"), "VIGIL_SECRET_SLACK_WEBHOOK");
  assert.equal(secretEnvName("pagerdutyRoutingKey"), "VIGIL_SECRET_PAGERDUTY_ROUTING_KEY");
  assert.equal(secretEnvName("smtp_password"), "VIGIL_SECRET_SMTP_PASSWORD");
  assert.equal(secretEnvName("APIKey2"), "VIGIL_SECRET_API_KEY2");
});
