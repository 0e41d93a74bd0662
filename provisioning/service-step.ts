// One plan step for one Debian-packaged service: its config files, the packages (installed only
// when missing), the unit enabled and running, and a reload of that unit alone.
//
// The config files are placed BEFORE the packages install (step order: files → validate → run),
// so a service's first start already uses vigil's config: node_exporter never listens on all
// interfaces, fail2ban's sshd jail never starts without `backend = systemd`, CrowdSec's postinst
// never tries the Central API. dpkg keeps a pre-existing conffile under --force-confold (the
// package's version lands beside it as `.dpkg-dist`), and keeps it on upgrades too.
import type { PlanFile, PlanStep } from "./plan.ts";
import { aptInstallStep } from "./apt.ts";
import { shq } from "./shell-quote.ts";

export interface ServiceStepArgs {
  /** Step id, `[a-z0-9-]+`. */
  id: string;
  description: string;
  /** Debian 12 package names. */
  packages: string[];
  /** The systemd unit this step keeps enabled and active, and reloads. */
  unit: string;
  /** Config files, placed before the packages install. */
  files: PlanFile[];
  /**
   * Checks the new files in place. Runs before `run`, so on a fresh host the tool is not there
   * yet: guard with `command -v`. The step script calls it in a condition, where `set -e` is off:
   * every command must be chained (`&&`) or end in `|| return 1`.
   */
  validate?: string;
  /** Shell run before the packages install (after the files are placed and validated). */
  beforeInstall?: string;
  /** Shell run after the packages are installed and before the reload. */
  afterInstall?: string;
  /** Extra probe lines (`cmd || exit 1`): what `afterInstall` establishes. */
  probe?: string;
  /** How the unit picks up the change; default `systemctl reload-or-restart <unit>`. */
  reload?: string;
}

/** Installs what is missing (never upgrades on a config change), enables the unit, reloads it. */
export function serviceStep(args: ServiceStepArgs): PlanStep {
  const apt = aptInstallStep({ id: args.id, packages: args.packages });
  const unit = shq(args.unit);
  const lines = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined && p !== "").join("\n");
  return {
    id: args.id,
    description: args.description,
    files: args.files,
    probe: lines(apt.probe, `systemctl is-enabled --quiet ${unit} || exit 1`, `systemctl is-active --quiet ${unit} || exit 1`, args.probe),
    ...(args.validate !== undefined ? { validate: args.validate } : {}),
    run: lines(
      args.beforeInstall,
      `if ! (\n${apt.probe}\n) >/dev/null 2>&1; then\n${apt.run}\nfi`,
      `systemctl enable --quiet ${unit}`,
      args.afterInstall,
    ),
    reload: args.reload ?? `systemctl reload-or-restart ${unit}`,
  };
}

/**
 * The step of a piece the spec disables: its units stopped and disabled when they exist (the
 * packages stay installed; nothing is purged). On a host that never had them it does nothing.
 */
export function serviceOffStep(id: string, description: string, units: string[]): PlanStep {
  const list = units.map(shq).join(" ");
  return {
    id,
    description,
    files: [],
    probe: `for u in ${list}; do
  ! systemctl is-active --quiet "$u" || exit 1
  ! systemctl is-enabled --quiet "$u" 2>/dev/null || exit 1
done`,
    run: `for u in ${list}; do
  if systemctl cat "$u" >/dev/null 2>&1; then systemctl disable --now --quiet "$u"; fi
done`,
  };
}
