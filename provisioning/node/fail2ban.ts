// fail2ban (Debian 12: 1.0.2) guarding sshd from the systemd journal. Debian 12 has no rsyslog
// and no /var/log/auth.log: without `backend = systemd` inside [sshd] the jail dies with "Have
// not found any log file for sshd jail" (FIELD-NOTES); the systemd backend needs python3-systemd.
import type { Spec } from "../../schema/spec-schema.ts";
import type { PlanStep } from "../plan.ts";
import { debianServiceStep, serviceOffStep } from "../debian-service.ts";
import { FAIL2BAN_UNIT } from "../service-units.ts";

/** A `.local` in jail.d is read after Debian's defaults-debian.conf and overrides its [sshd]. */
export const FAIL2BAN_JAIL = "/etc/fail2ban/jail.d/vigil-sshd.local";
export const FAIL2BAN_LOCAL = "/etc/fail2ban/fail2ban.d/vigil.local";

/**
 * Addresses never banned: the host's own loopback addresses always, then the spec's ignoreIp in
 * order, without repeats. 127.0.0.1 rather than fail2ban's usual 127.0.0.1/8: the host's own
 * connections come from 127.0.0.1, and leaving the rest of 127/8 bannable lets a test drive a
 * real brute force from 127.0.0.2 (test/e2e) without touching any other address.
 */
export const ALWAYS_IGNORED = ["127.0.0.1", "::1"];

export function fail2banIgnoreIps(ignoreIp: readonly string[]): string[] {
  for (const entry of ignoreIp) {
    if (entry === "" || /[\s#;]/.test(entry)) throw new Error(`stack.fail2ban.ignoreIp: "${entry}" is not an address, CIDR or host name`);
  }
  return [...new Set([...ALWAYS_IGNORED, ...ignoreIp])];
}

/**
 * The jail file. Everything sits inside [sshd]: a [DEFAULT] override does not reach options the
 * jail sets itself (Debian's jail.conf sets `backend = %(sshd_backend)s` there). The ban action
 * is nftables on all ports: Debian 12's firewall is nftables, and sshd may listen on any port.
 * fail2ban reads the spec's durations (`1h`, `10m`, `1w`) as they are.
 */
export function fail2banJail(spec: Spec): string {
  const f = spec.stack.fail2ban;
  return `# Written by vigil; changes here are overwritten on the next apply.
[sshd]
enabled = true
backend = systemd
banaction = nftables-allports
bantime = ${f.bantime}
findtime = ${f.findtime}
maxretry = ${f.maxretry}
bantime.increment = true
ignoreip = ${fail2banIgnoreIps(f.ignoreIp).join(" ")}
`;
}

/** Silences fail2ban 1.0.2's warning about the unset `allowipv6` on every start and test. */
export const FAIL2BAN_DEFINITION = `# Written by vigil.
[Definition]
allowipv6 = auto
`;

export function fail2banStep(spec: Spec): PlanStep {
  const f = spec.stack.fail2ban;
  return debianServiceStep({
    id: "fail2ban",
    description: `fail2ban sshd jail on the journal: maxretry ${f.maxretry} in ${f.findtime}, ban ${f.bantime} (increasing)`,
    packages: ["fail2ban", "python3-systemd", "nftables"],
    units: [FAIL2BAN_UNIT],
    files: [
      { path: FAIL2BAN_JAIL, mode: "0644", owner: "root:root", content: fail2banJail(spec) },
      { path: FAIL2BAN_LOCAL, mode: "0644", owner: "root:root", content: FAIL2BAN_DEFINITION },
    ],
    validate: `if command -v fail2ban-client >/dev/null; then
  fail2ban-client -t >/dev/null || return 1
fi`,
    // On a fresh host the validation above ran before fail2ban existed: check once installed.
    afterInstall: `fail2ban-client -t >/dev/null || { echo "vigil-step: fail2ban-client -t failed" >&2; exit 1; }`,
    probe: "fail2ban-client status sshd >/dev/null || exit 1",
    reload: `systemctl reload-or-restart ${FAIL2BAN_UNIT}`,
  });
}

export function fail2banSteps(spec: Spec): PlanStep[] {
  return spec.stack.fail2ban.enabled
    ? [fail2banStep(spec)]
    : [serviceOffStep("fail2ban-off", "fail2ban disabled in the spec: stopped and disabled if present", [FAIL2BAN_UNIT])];
}
