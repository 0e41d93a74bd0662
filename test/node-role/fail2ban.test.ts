// fail2ban: the jail builder, and the real `fail2ban-client -t` on a config directory made from
// the Debian package's /etc/fail2ban plus the rendered files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { FAIL2BAN_JAIL, FAIL2BAN_LOCAL, fail2banIgnoreIps, fail2banJail, fail2banStep } from "../../provisioning/node/fail2ban.ts";
import type { PlanStep } from "../../provisioning/plan.ts";
import { edited, run, stack, tempDir } from "./helpers.ts";

/** /etc/fail2ban from the Debian package, copied, with the step's files written over it. */
function configDir(t: { after(fn: () => void): void }, step: PlanStep | undefined): string {
  const root = tempDir(t, "fail2ban");
  const dir = join(root, "fail2ban");
  cpSync("/etc/fail2ban", dir, { recursive: true });
  for (const f of step?.files ?? []) {
    assert.ok(f.path.startsWith("/etc/fail2ban/"), f.path);
    const target = join(dir, f.path.slice("/etc/fail2ban/".length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content ?? "");
  }
  return dir;
}

const fail2banTest = (dir: string) => run("fail2ban-client", ["-c", dir, "-t"]);

test("the rendered jail passes fail2ban-client -t with the Debian package's configuration", (t) => {
  for (const spec of [stack("prod"), stack("dev")]) {
    const r = fail2banTest(configDir(t, fail2banStep(spec)));
    assert.equal(r.status, 0, `${spec.environment}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout + r.stderr, /configuration test is successful/);
    // the fail2ban.d file silences the allowipv6 warning
    assert.doesNotMatch(r.stderr, /allowipv6/);
  }
});

test("fail2ban-client -t catches the Debian 12 trap the jail avoids: sshd without backend = systemd", (t) => {
  // Debian's defaults alone enable [sshd] on log files that bookworm does not have.
  const r = fail2banTest(configDir(t, undefined));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Have not found any log file for sshd jail/);
  // and a broken jail of ours is caught the same way before a reload
  const broken = fail2banStep(stack("prod"));
  broken.files = broken.files.map((f) => (f.path === FAIL2BAN_JAIL ? { ...f, content: (f.content ?? "").replace("backend = systemd", "backend = nosuch") } : f));
  assert.notEqual(fail2banTest(configDir(t, broken)).status, 0);
});

test("the jail carries the spec's values inside [sshd]", () => {
  const spec = edited(stack("prod"), (s) => {
    s.stack.fail2ban = { enabled: true, bantime: "2h", findtime: "15m", maxretry: 3, ignoreIp: ["198.51.100.7", "10.0.0.0/8"] };
  });
  const jail = fail2banJail(spec);
  const sections = jail.split(/^\[/m).slice(1);
  assert.equal(sections.length, 1, "one section: [sshd]");
  assert.match(jail, /^\[sshd\]\nenabled = true\nbackend = systemd\n/m);
  assert.match(jail, /^bantime = 2h$/m);
  assert.match(jail, /^findtime = 15m$/m);
  assert.match(jail, /^maxretry = 3$/m);
  assert.match(jail, /^bantime\.increment = true$/m);
  assert.match(jail, /^ignoreip = 127\.0\.0\.1 ::1 198\.51\.100\.7 10\.0\.0\.0\/8$/m);
  const step = fail2banStep(spec);
  assert.deepEqual(step.files.map((f) => f.path), [FAIL2BAN_JAIL, FAIL2BAN_LOCAL]);
  assert.ok(step.validate?.includes("fail2ban-client -t"));
  // python3-systemd: the systemd backend imports it
  assert.match(step.run ?? "", /'python3-systemd'/);
});

test("ignoreip always starts with the host's own loopback addresses, keeps the spec's order and drops repeats", () => {
  fc.assert(
    fc.property(fc.array(fc.ipV4().map((ip) => ip), { maxLength: 8 }), (ips) => {
      const out = fail2banIgnoreIps(ips);
      assert.deepEqual(out.slice(0, 2), ["127.0.0.1", "::1"]);
      assert.equal(new Set(out).size, out.length);
      for (const ip of ips) assert.ok(out.includes(ip));
      const rest = out.slice(2);
      assert.deepEqual(rest, [...new Set(ips)].filter((ip) => ip !== "::1" && ip !== "127.0.0.1"));
    }),
  );
  assert.throws(() => fail2banIgnoreIps(["10.0.0.1 10.0.0.2"]), /stack\.fail2ban\.ignoreIp: "10\.0\.0\.1 10\.0\.0\.2"/);
  assert.throws(() => fail2banIgnoreIps([""]), /ignoreIp/);
});
