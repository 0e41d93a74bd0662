// `vigil plan <spec> [--json]`: the cloud resources `pulumi up` would create, computed offline by
// running the Pulumi program under mocks. Secrets are never needed and never shown ("[secret]").
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { previewCloudResources, SECRET, type CloudResource } from "../../components/cloud-preview.ts";
import { decodeStageUpload } from "../../components/stage-upload.ts";
import { parseCommandArgs } from "../command-args.ts";

const USAGE = "usage: vigil plan <spec> [--json]";

export async function runPlan(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("plan", USAGE, argv, { json: { type: "boolean" } });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const files = parsed.positionals;
  const json = parsed.values.json === true;
  if (files.length !== 1) {
    console.error(USAGE);
    return 1;
  }
  const loaded = loadSpecFile(files[0]!);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  let resources: CloudResource[];
  try {
    resources = await previewCloudResources(loaded.spec);
  } catch (err) {
    console.error(`vigil plan: ${files[0]}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (json) {
    console.log(JSON.stringify(resources.map(({ type, name, inputs }) => ({ type, name, inputs })), null, 2));
  } else {
    console.log(planTable(resources));
  }
  return 0;
}

/** `digitalocean:index/droplet:Droplet` → `digitalocean:Droplet`; `vigil:index:Network` → `vigil:Network`. */
export const shortType = (type: string): string => {
  const [pkg, , name] = type.split(":");
  return `${pkg}:${name ?? type}`;
};

/** The table: one line per resource (type, name, the inputs that matter) sorted by type, then counts by type. */
export function planTable(resources: CloudResource[]): string {
  const rows = resources
    .map((r) => [shortType(r.type), r.name, details(r)] as const)
    .sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
  const w0 = Math.max(4, ...rows.map((r) => r[0].length));
  const w1 = Math.max(4, ...rows.map((r) => r[1].length));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`.trimEnd();
  const counts = new Map<string, number>();
  for (const [type] of rows) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [
    line("TYPE", "NAME", "DETAILS"),
    ...rows.map((r) => line(...r)),
    "",
    `${resources.length} resources: ${[...counts].map(([t, n]) => `${n} ${t}`).join(", ")}`,
  ].join("\n");
}

const show = (v: unknown): string => (v === SECRET ? SECRET : Array.isArray(v) ? v.join(",") : String(v));

function details(r: CloudResource): string {
  const i = r.inputs;
  switch (r.type) {
    case "digitalocean:index/droplet:Droplet":
      return `${show(i.size)} ${show(i.image)} in ${show(i.region)}, monitoring ${show(i.monitoring)}, backups ${show(i.backups)}, tags ${show(i.tags)}`;
    case "digitalocean:index/vpc:Vpc":
      return `${show(i.ipRange)} in ${show(i.region)}`;
    case "digitalocean:index/firewall:Firewall": {
      const rules = (i.inboundRules as { protocol: string; portRange?: string; sourceAddresses?: string[] }[] | undefined) ?? [];
      return `on ${show(i.tags)}: ${rules.map((x) => `${x.protocol}${x.portRange ? `/${x.portRange}` : ""} from ${show(x.sourceAddresses)}`).join("; ")}`;
    }
    case "digitalocean:index/uptimeCheck:UptimeCheck":
      return `${show(i.type)} ${show(i.target)} from ${show(i.regions)}`;
    case "digitalocean:index/uptimeAlert:UptimeAlert":
      return `${show(i.type)}${i.threshold !== undefined ? ` ${show(i.comparison)} ${show(i.threshold)}` : ""} for ${show(i.period)}`;
    case "digitalocean:index/monitorAlert:MonitorAlert":
      return `${show(i.type)} ${show(i.compare)} ${show(i.value)} for ${show(i.window)} on ${show(i.entities)}`;
    case "command:remote:Command": {
      const create = String(i.create ?? "");
      if (r.name.endsWith("-stage") && typeof i.stdin === "string") {
        return `upload ${decodeStageUpload(i.stdin).length} files`;
      }
      return `${create.length > 70 ? `${create.slice(0, 67)}...` : create}${i.stdin === SECRET ? " (secrets on stdin)" : ""}`;
    }
    default:
      return "";
  }
}
