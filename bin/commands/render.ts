// `vigil render <spec> --out DIR [--address HOST=IP]...`: every host's files and plan, on disk.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { applyAddressOverrides, offlineContext } from "../../provisioning/address-contexts.ts";
import { renderTree } from "../../provisioning/render-tree.ts";
import { parseCommandArgs } from "../command-args.ts";

const USAGE = "usage: vigil render <spec> --out DIR [--address HOST=IP]...";

export async function runRender(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("render", USAGE, argv, { out: { type: "string" }, address: { type: "string", multiple: true } });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const [file, ...extra] = parsed.positionals;
  const outDir = parsed.values.out;
  if (file === undefined || extra.length > 0 || outDir === undefined) {
    console.error(USAGE);
    return 1;
  }
  const result = loadSpecFile(file);
  if (!result.ok) {
    console.error(formatErrors(result.errors));
    return 1;
  }
  const { spec } = result;
  const ctx = offlineContext(spec);
  const bad = applyAddressOverrides(spec, ctx, parsed.values.address ?? []);
  if (bad) {
    console.error(`vigil render: ${bad}`);
    return 1;
  }
  const tree = renderTree(spec, ctx);
  // Re-rendering replaces each host's directory, so the output is exactly this spec's.
  for (const host of spec.hosts) {
    const hostDir = join(outDir, host.name);
    if (existsSync(join(hostDir, "plan.json"))) rmSync(hostDir, { recursive: true, force: true });
  }
  for (const [path, content] of tree) {
    const target = join(outDir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  for (const host of spec.hosts) {
    const files = [...tree.keys()].filter((p) => p.startsWith(`${host.name}/root/`)).length;
    console.log(`${join(outDir, host.name)}: ${files} files, plan.json (${ctx.privateAddress[host.name]})`);
  }
  return 0;
}
