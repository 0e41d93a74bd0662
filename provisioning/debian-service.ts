// A Debian-packaged service as plan steps, for both roles (the way prometheus-community/ansible's
// roles/_common serves every exporter): its packages (installed only when missing), its
// /etc/default file (Debian's units run `ExecStart=/usr/bin/<binary> $ARGS` with
// EnvironmentFile=/etc/default/<package>), its systemd drop-in, a check of the new files, the
// units enabled and active, and a reload of those units alone.
//
// The config files are placed BEFORE the packages install (step order: files → validate → run),
// so a service's first start already uses vigil's config: node_exporter never listens on all
// interfaces, fail2ban's sshd jail never starts without `backend = systemd`, CrowdSec's postinst
// never tries the Central API. dpkg keeps a pre-existing conffile under --force-confold (the
// package's version lands beside it as `.dpkg-dist`), and keeps it on upgrades too.
import type { PlanFile, PlanStep } from "./plan.ts";
import { aptInstallStep } from "./apt.ts";
import { shq } from "./shell-quote.ts";

/** Debian's EnvironmentFile of a packaged service: /etc/default/<package>. */
export const defaultsPath = (pkg: string): string => `/etc/default/${pkg}`;

/** The drop-in vigil owns for a unit (other drop-ins of the unit stay as they are). */
export const dropInPath = (unit: string): string => `/etc/systemd/system/${unit}.d/vigil.conf`;

/** A unit's vigil drop-in as a plan file. */
export const dropInFile = (unit: string, content: string): PlanFile => ({ path: dropInPath(unit), mode: "0644", owner: "root:root", content });

/**
 * The text of an /etc/default file: ARGS for `$ARGS` in Debian's ExecStart. Read by systemd
 * (EnvironmentFile=, which splits $ARGS at whitespace) and by the SysV script (sourced by sh): with
 * no whitespace, quote, `\`, `$` or backtick inside an argument, both read the same arguments.
 * `execStart`, when given, names the command line in a comment for whoever reads the file.
 */
export function defaultsText(path: string, args: readonly string[], opts: { execStart?: string } = {}): string {
  for (const arg of args) {
    if (/[\s"'\\$`]/.test(arg)) throw new Error(`argument ${JSON.stringify(arg)} cannot be written to ${path}`);
  }
  const how = opts.execStart !== undefined ? `# systemd splits ARGS at whitespace: ExecStart=${opts.execStart} $ARGS\n` : "";
  return `# Written by vigil; changes here are overwritten on the next apply.\n${how}ARGS="${args.join(" ")}"\n`;
}

/** The /etc/default file of a package as a plan file. */
export const defaultsFile = (pkg: string, args: readonly string[], opts: { execStart?: string } = {}): PlanFile => {
  const path = defaultsPath(pkg);
  return { path, mode: "0644", owner: "root:root", content: defaultsText(path, args, opts) };
};

export interface DebianServiceStepArgs {
  /** Step id, `[a-z0-9-]+`. */
  id: string;
  description: string;
  /** The systemd units this step keeps active (and, when it enables them, enabled), and reloads. */
  units: readonly string[];
  /**
   * Debian 12 package names this step installs when missing, after placing its files. Without
   * packages, an earlier step installed them (the hub's packages all install in one step).
   */
  packages?: readonly string[];
  /** Config files, placed before the packages install and before anything reloads. */
  files: PlanFile[];
  /**
   * Checks the new files in place. Runs before `run`, so on a fresh host the tool may not be there
   * yet: guard with `command -v`. The step script calls it in a condition, where `set -e` is off:
   * every command must be chained (`&&`) or end in `|| return 1`.
   */
  validate?: string;
  /** Enable the units (default: when the step installs packages). */
  enable?: boolean;
  /** Shell run first (after the files are placed and validated): before packages and enabling. */
  beforeInstall?: string;
  /** Shell run after the packages are installed and the units enabled (where the step does either), before the reload. */
  afterInstall?: string;
  /** Extra probe lines (`cmd || exit 1`): what `afterInstall` establishes. */
  probe?: string;
  /** How the units pick up the change; default `systemctl reload-or-restart` of each unit. */
  reload?: string;
}

const lines = (...parts: (string | undefined)[]) => parts.filter((p) => p !== undefined && p !== "").join("\n");

/**
 * One step for a Debian service: installs what is missing (never upgrades on a config change),
 * enables its units, keeps them active, and reloads only them when the step changed.
 */
export function debianServiceStep(args: DebianServiceStepArgs): PlanStep {
  const apt = args.packages !== undefined ? aptInstallStep({ id: args.id, packages: [...args.packages] }) : undefined;
  const enable = args.enable ?? apt !== undefined;
  const units = args.units.map(shq);
  const run = lines(
    args.beforeInstall,
    apt ? `if ! (\n${apt.probe}\n) >/dev/null 2>&1; then\n${apt.run}\nfi` : undefined,
    enable ? `systemctl enable --quiet ${units.join(" ")}` : undefined,
    args.afterInstall,
  );
  return {
    id: args.id,
    description: args.description,
    files: args.files,
    probe: lines(
      apt?.probe,
      ...units.flatMap((u) => [enable ? `systemctl is-enabled --quiet ${u} || exit 1` : undefined, `systemctl is-active --quiet ${u} || exit 1`]),
      args.probe,
    ),
    ...(args.validate !== undefined ? { validate: args.validate } : {}),
    ...(run !== "" ? { run } : {}),
    reload: args.reload ?? units.map((u) => `systemctl reload-or-restart ${u}`).join("\n"),
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
