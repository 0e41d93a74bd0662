// The one builder of Debian service steps (provisioning/debian-service.ts), for node and hub.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { shq } from "../../provisioning/shell-quote.ts";
import { debianServiceStep, defaultsFile, defaultsText, dropInFile, serviceOffStep } from "../../provisioning/debian-service.ts";

const bashSyntaxOk = (text: string) => spawnSync("bash", ["-n"], { input: text, encoding: "utf8" });

test("/etc/default files: Debian's path, ARGS on one line, hostile arguments refused", () => {
  const f = defaultsFile("prometheus", ["--web.listen-address=127.0.0.1:9090", "--storage.tsdb.retention.time=15d"]);
  assert.equal(f.path, "/etc/default/prometheus");
  assert.equal(f.content, `# Written by vigil; changes here are overwritten on the next apply.\nARGS="--web.listen-address=127.0.0.1:9090 --storage.tsdb.retention.time=15d"\n`);
  assert.match(defaultsText("/etc/default/x", ["-a"], { execStart: "/usr/bin/x" }), /^# systemd splits ARGS at whitespace: ExecStart=\/usr\/bin\/x \$ARGS$/m);
  for (const bad of ["a b", "a\tb", 'a"b', "a'b", "a\\b", "$(id)", "`id`", "a\nb"]) {
    assert.throws(() => defaultsText("/etc/default/x", ["--ok", bad]), /cannot be written to \/etc\/default\/x/, JSON.stringify(bad));
  }
  assert.equal(dropInFile("x.service", "[Unit]\n").path, "/etc/systemd/system/x.service.d/vigil.conf");
});

test("with packages: installs what is missing, enables and keeps the unit active, reloads it alone", () => {
  const step = debianServiceStep({ id: "x", description: "x", packages: ["x-pkg"], units: ["x.service"], files: [], afterInstall: "x-check || exit 1" });
  assert.match(step.probe!, /dpkg-query/);
  assert.match(step.probe!, /systemctl is-enabled --quiet 'x\.service' \|\| exit 1\nsystemctl is-active --quiet 'x\.service' \|\| exit 1$/);
  assert.match(step.run!, /apt-get install/);
  assert.match(step.run!, /systemctl enable --quiet 'x\.service'\nx-check \|\| exit 1$/);
  assert.equal(step.reload, "systemctl reload-or-restart 'x.service'");
  for (const text of [step.probe!, step.run!, step.reload!]) assert.equal(bashSyntaxOk(text).status, 0, text);
});

test("without packages (installed by an earlier step): no enable unless asked; several units in one step", () => {
  const config = debianServiceStep({ id: "c", description: "c", units: ["c.service"], files: [], validate: "c --check || return 1" });
  assert.equal(config.probe, "systemctl is-active --quiet 'c.service' || exit 1");
  assert.equal(config.run, undefined);
  assert.equal(config.validate, "c --check || return 1");
  const many = debianServiceStep({ id: "m", description: "m", units: ["a.service", "b.service"], files: [], enable: true, beforeInstall: "systemctl daemon-reload" });
  assert.equal(many.run, "systemctl daemon-reload\nsystemctl enable --quiet 'a.service' 'b.service'");
  assert.equal(many.probe!.split("\n").length, 4);
  assert.equal(many.reload, "systemctl reload-or-restart 'a.service'\nsystemctl reload-or-restart 'b.service'");
});

test("a unit name is data, never shell", () => {
  const evil = "x.service'; touch /tmp/pwned; '";
  const step = debianServiceStep({ id: "e", description: "e", packages: ["e"], units: [evil], files: [] });
  const off = serviceOffStep("e-off", "e", [evil]);
  for (const text of [step.probe!, step.run!, step.reload!, off.probe!, off.run!]) {
    assert.equal(bashSyntaxOk(text).status, 0);
    assert.ok(text.includes(shq(evil)), text);
    assert.equal(text.split(shq(evil)).join("").includes("touch"), false, "the name only ever appears quoted");
  }
});
