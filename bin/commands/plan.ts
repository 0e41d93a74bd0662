// `vigil plan <spec>... [--json]`: the cloud resources `pulumi up` would create, computed offline by
// running the Pulumi program under mocks. Secrets are never needed and never shown ("[secret]").
// Several specs are planned as stacks of one DigitalOcean account: first the account-wide checks
// of `vigil validate` (VPC ranges that overlap, project names that clash: the API refuses the
// second stack's resources), then each file's resources.
import { accountProblems, type LoadedSpec } from "../../schema/account-checks.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { previewCloudResources, SECRET, type CloudResource } from "../../components/cloud-preview.ts";
import { decodeStageUpload } from "../../components/stage-upload.ts";
import { parseCommandArgs } from "../command-args.ts";

const USAGE = "usage: vigil plan <spec>... [--json]";

export async function runPlan(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("plan", USAGE, argv, { json: { type: "boolean" } });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const files = parsed.positionals;
  const json = parsed.values.json === true;
  if (files.length === 0) {
    console.error(USAGE);
    return 1;
  }
  const valid: LoadedSpec[] = [];
  let failed = false;
  for (const file of files) {
    const loaded = loadSpecFile(file);
    if (loaded.ok) valid.push(loaded);
    else {
      failed = true;
      console.error(formatErrors(loaded.errors));
    }
  }
  const clashes = accountProblems(valid);
  if (clashes.length > 0) console.error(formatErrors(clashes));
  if (failed || clashes.length > 0) return 1;
  const plans: { file: string; resources: CloudResource[] }[] = [];
  for (const { file, spec } of valid) {
    try {
      plans.push({ file, resources: await previewCloudResources(spec) });
    } catch (err) {
      console.error(`vigil plan: ${file}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
  }
  const shape = (resources: CloudResource[]) => resources.map(({ type, name, inputs }) => ({ type, name, inputs }));
  if (json) {
    // One spec: the array of resources; several: one { file, resources } per spec, in order.
    const out = plans.length === 1 ? shape(plans[0]!.resources) : plans.map((p) => ({ file: p.file, resources: shape(p.resources) }));
    console.log(JSON.stringify(out, null, 2));
  } else if (plans.length === 1) {
    console.log(planTable(plans[0]!.resources));
  } else {
    console.log(plans.map((p) => `== ${p.file}\n${planTable(p.resources)}`).join("\n\n"));
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
