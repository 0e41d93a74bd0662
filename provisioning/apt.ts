// Installing Debian 12 packages as a plan step (never curl | bash).
import type { PlanFile, PlanStep } from "./plan.ts";
import { shq } from "./shell-quote.ts";

export interface AptStepArgs {
  /** Step id, e.g. `node-packages`. */
  id: string;
  /** Debian 12 package names. */
  packages: string[];
  /**
   * Files that must exist BEFORE the packages' maintainer scripts run: e.g. CrowdSec's
   * online_api_credentials.yaml (its postinst registers online otherwise), or
   * /etc/default/prometheus-node-exporter so the exporter never starts on all interfaces.
   */
  preseed?: PlanFile[];
  /** Keep recommended packages out (the default): smaller footprint, fewer surprises. */
  withRecommends?: boolean;
  /**
   * Shell run right before `apt-get install`, only when a package is missing; `$missing` is
   * the bash array of the missing packages. For what must hold at a first install only (a file a
   * later step replaces, which a preseed file would fight over on every apply).
   */
  beforeInstall?: string;
}

/**
 * A step that installs the packages that are missing (never upgrades installed ones);
 * `apt-get update` only when the lists are over a day old.
 */
export function aptInstallStep(args: AptStepArgs): PlanStep {
  const packages = [...new Set(args.packages)].sort();
  const list = packages.map(shq).join(" ");
  return {
    id: args.id,
    description: `install ${packages.join(", ")}`,
    files: args.preseed ?? [],
    probe: `for p in ${list}; do
  dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || exit 1
done`,
    // Only the missing packages: re-running a step must never upgrade what is installed.
    run: `missing=()
for p in ${list}; do
  dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ \${#missing[@]} -gt 0 ]; then
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit 2>/dev/null)" ]; then
    apt-get update -q
  fi${args.beforeInstall !== undefined ? `\n${args.beforeInstall.replace(/^/gm, "  ")}` : ""}
  apt-get install -y -q ${args.withRecommends ? "" : "--no-install-recommends "}-o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef "\${missing[@]}"
fi`,
  };
}
