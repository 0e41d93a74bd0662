// aptInstallStep: its probe asks dpkg for real; its run installs only what is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { aptInstallStep } from "../../provisioning/apt.ts";

const bash = (script: string) => spawnSync("bash", ["-c", script], { encoding: "utf8" });

test("the probe passes only when every package is installed", () => {
  assert.equal(bash(aptInstallStep({ id: "a", packages: ["bash", "coreutils"] }).probe!).status, 0);
  assert.equal(bash(aptInstallStep({ id: "a", packages: ["bash", "vigil-no-such-package"] }).probe!).status, 1);
});

test("the run installs only missing packages and refreshes lists only when stale", () => {
  const step = aptInstallStep({ id: "a", packages: ["coreutils", "bash", "bash"] });
  assert.equal(step.description, "install bash, coreutils");
  assert.equal(bash(`bash -n <<'EOS'\n${step.run}\nEOS`).status, 0);
  // With everything installed the run does nothing at all: apt-get is never reached.
  const dry = bash(`apt-get() { echo "apt-get $*"; }\n${step.run}`);
  assert.equal(dry.status, 0);
  assert.equal(dry.stdout, "");
  const some = bash(`apt-get() { echo "apt-get $*"; }\nfind() { :; }\n${aptInstallStep({ id: "a", packages: ["bash", "vigil-no-such-package"] }).run}`);
  assert.match(some.stdout, /^apt-get update -q\napt-get install .* vigil-no-such-package\n$/);
  assert.doesNotMatch(some.stdout, /install .*\bbash\b/);
});
