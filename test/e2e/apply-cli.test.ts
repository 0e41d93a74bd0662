// `vigil apply` and `vigil local` on bad input: one clear message, exit 1, nothing contacted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "../scratch-dir.ts";

const dir = scratchDir("vigil-apply-cli-");
// vigil's known_hosts lives under XDG_CONFIG_HOME: keep the tests' out of the user's.
const vigil = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync("bin/vigil", args, { encoding: "utf8", env: { ...process.env, XDG_CONFIG_HOME: dir, ...env }, timeout: 60_000 });
const withSecret = join(dir, "secret.yaml");
writeFileSync(
  withSecret,
  `version: 1
environment: t
project: p
region: fra1
hosts: [{ name: web, roles: [hub] }]
alerts:
  receivers: { ops: { slack: { webhook: { secret: slackWebhook } } } }
  routes: [{ to: [ops] }]
`,
);

test("vigil apply without --host or --target prints usage and exits 1", () => {
  const r = vigil(["apply", "stacks/local.yaml"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage: vigil apply <spec> --host NAME --target ssh:\/\/USER@ADDR:PORT/);
});

test("vigil apply rejects a target that is not ssh://USER@ADDR:PORT", () => {
  const r = vigil(["apply", "stacks/local.yaml", "--host", "local", "--target", "root@127.0.0.1"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /target "root@127\.0\.0\.1" is not ssh:\/\/USER@ADDR:PORT/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
});

test("vigil apply names the spec file when the host is not in it", () => {
  const r = vigil(["apply", "stacks/local.yaml", "--host", "nope", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /stacks\/local\.yaml: no host named "nope" \(hosts: local\)/);
});

test("vigil apply lists missing secrets by their environment variable before connecting", () => {
  const r = vigil(["apply", withSecret, "--host", "web", "--target", "ssh://root@127.0.0.1:1"], { VIGIL_SECRET_SLACK_WEBHOOK: "" });
  // An empty value is a value; unset it to see the message.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: dir };
  delete env.VIGIL_SECRET_SLACK_WEBHOOK;
  const unset = spawnSync("bin/vigil", ["apply", withSecret, "--host", "web", "--target", "ssh://root@127.0.0.1:1"], { encoding: "utf8", env });
  assert.equal(unset.status, 1);
  assert.match(unset.stderr, /host web needs secrets that are not set: slackWebhook \(VIGIL_SECRET_SLACK_WEBHOOK\)/);
  // With the secret set it gets as far as SSH, which fails on port 1 and names the first step.
  assert.equal(r.status, 1);
  assert.match(r.stderr, /vigil apply: step "[a-z0-9-]+" failed on web \(root@127\.0\.0\.1:1\)/);
});

test("vigil apply on an invalid spec prints located errors", () => {
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "version: 1\nenvironment: Bad Name\n");
  const r = vigil(["apply", bad, "--host", "x", "--target", "ssh://root@127.0.0.1:1"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, "\\.")}:\\d+:\\d+`));
});

test("vigil local with an unknown subcommand prints usage and exits 1", () => {
  const r = vigil(["local", "sideways"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown subcommand "sideways"/);
  assert.match(r.stderr, /vigil local up \[<spec>\]/);
});
