// `vigil validate <spec>...`: schema and cross-field checks, a one-line summary per valid file.
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { parseCommandArgs } from "../command-args.ts";

const USAGE = "usage: vigil validate <spec>...";

/** One line describing a valid spec. */
export function specSummary(file: string, spec: Spec): string {
  const roles = (role: string) => spec.hosts.filter((h) => h.roles.includes(role as "node" | "hub")).length;
  const receivers = Object.keys(spec.alerts.receivers).length;
  return (
    `${file}: ok: ${spec.environment} (${spec.region}): ` +
    `${spec.hosts.length} host${spec.hosts.length === 1 ? "" : "s"} (${roles("node")} node, ${roles("hub")} hub), ` +
    `${spec.uptime.length} uptime check${spec.uptime.length === 1 ? "" : "s"}, ` +
    `${spec.slos.length} SLO${spec.slos.length === 1 ? "" : "s"}, ` +
    `${spec.alerts.routes.length} route${spec.alerts.routes.length === 1 ? "" : "s"} to ${receivers} receiver${receivers === 1 ? "" : "s"}`
  );
}

export async function runValidate(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("validate", USAGE, argv, {});
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const files = parsed.positionals;
  if (files.length === 0) {
    console.error(USAGE);
    return 1;
  }
  let failed = false;
  for (const file of files) {
    const result = loadSpecFile(file);
    if (result.ok) console.log(specSummary(file, result.spec));
    else {
      failed = true;
      console.error(formatErrors(result.errors));
    }
  }
  return failed ? 1 : 0;
}
