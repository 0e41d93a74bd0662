// aptInstallStep: its probe asks dpkg for real; its run installs only what is missing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { aptInstallStep } from "../../provisioning/apt.ts";
import { offlineContext } from "../../provisioning/address-contexts.ts";
import { hubRoleSteps, prometheusFirstConfig } from "../../provisioning/hub/hub-role.ts";
import { PROMETHEUS_CONFIG } from "../../provisioning/hub/prometheus.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";

const parsed = () => {
  const loaded = loadSpecFile("stacks/prod.yaml");
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.spec;
};

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

test("hub-packages: before Prometheus is first installed, a config with no scrape job (promtool accepts it); never over a file, never after", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-first-config-"));
  try {
    const path = join(dir, "etc", "prometheus", "prometheus.yml");
    const hook = (missing: string[]) => bash(`missing=(${missing.join(" ")})\n${prometheusFirstConfig(path)}`);
    assert.equal(hook(["prometheus-alertmanager"]).status, 0);
    assert.equal(existsSync(path), false, "not written when prometheus is installed already");
    assert.equal(hook(["prometheus", "prometheus-blackbox-exporter"]).status, 0);
    assert.match(readFileSync(path, "utf8"), /^# Written by vigil before the prometheus package[^\n]*\nscrape_configs: \[\]\n$/);
    const check = spawnSync("promtool", ["check", "config", path], { encoding: "utf8" });
    assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
    writeFileSync(path, "# the admin's\n");
    assert.equal(hook(["prometheus"]).status, 0);
    assert.equal(readFileSync(path, "utf8"), "# the admin's\n", "an existing file is kept");
    // In the hub-packages step: run right before apt-get install, when a package is missing.
    const step = hubRoleSteps(parsed(), parsed().hosts.find((h) => h.roles.includes("hub"))!, offlineContext(parsed())).find((s) => s.id === "hub-packages")!;
    const fresh = join(dir, "fresh", "prometheus.yml");
    const run = bash(`apt-get() { [ "$1" = install ] && { [ -e ${fresh} ] && echo "install: config there" || echo "install: no config"; }; return 0; }
find() { :; }
dpkg-query() { return 1; }
${step.run!.replaceAll(dirname(PROMETHEUS_CONFIG), dirname(fresh))}`);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, "install: config there\n");
    const installed = bash(`apt-get() { echo "apt-get $*"; }\ndpkg-query() { echo 'install ok installed'; }\n${step.run!.replaceAll(dirname(PROMETHEUS_CONFIG), join(dir, "later"))}`);
    assert.equal(installed.stdout, "");
    assert.equal(existsSync(join(dir, "later")), false, "with the packages installed the hook never runs");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
