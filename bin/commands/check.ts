// `vigil check <spec> [--policy-config FILE]`: the CrossGuard policy pack, offline. The resource
// graph is the one `vigil plan` computes (the Pulumi program under mocks, spec component
// included), and the policies run through the same evaluation as @pulumi/policy's analyzer, so
// the answer is the one `pulumi preview --policy-pack policies` gives, without cloud credentials.
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { PolicyPackConfig } from "@pulumi/policy";
import type { CloudResource } from "../../components/cloud-preview.ts";
import { evaluatePolicies, type Violation } from "../../policies/evaluate.ts";
import { vigilPolicies } from "../../policies/pack.ts";
import { loadPolicyConfig } from "../../policies/policy-config.ts";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { parseCommandArgs } from "../command-args.ts";
import type { Spec } from "../../schema/spec-schema.ts";

const USAGE = "usage: vigil check <spec> [--policy-config FILE]";

/** policies/config/<environment>.json of this checkout. */
export const defaultPolicyConfigPath = (environment: string): string =>
  fileURLToPath(new URL(`../../policies/config/${environment}.json`, import.meta.url));

/** The policy config for a run: the given file, else policies/config/<env>.json when present. */
function policyConfigFor(spec: Spec, given: string | undefined): { config: PolicyPackConfig; source: string } | { errors: string[] } {
  const file = given ?? defaultPolicyConfigPath(spec.environment);
  const shown = given ?? relative(process.cwd(), file);
  if (given === undefined && !existsSync(file)) {
    return { config: {}, source: `no ${shown}: every policy at its default level (advisory)` };
  }
  const loaded = loadPolicyConfig(file, vigilPolicies);
  if (!loaded.ok) return { errors: loaded.errors.map((e) => e.replace(file, shown)) };
  return { config: loaded.config, source: `policy config ${shown}` };
}

/** `digitalocean:index/firewall:Firewall` → `Firewall`; `vigil:index:Spec` → `Spec`. */
const typeName = (type: string): string => type.split(":").pop() ?? type;

/** The violations as a table (LEVEL, POLICY, RESOURCE, MESSAGE), mandatory first. */
export function violationTable(violations: readonly Violation[]): string {
  const rows = [...violations]
    .sort((a, b) => (a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1) || a.policy.localeCompare(b.policy) || a.resource.localeCompare(b.resource))
    .map((v) => [v.level, v.policy, v.type ? `${typeName(v.type)} ${v.resource}` : v.resource, v.message] as const);
  const header = ["LEVEL", "POLICY", "RESOURCE", "MESSAGE"] as const;
  const width = [0, 1, 2].map((i) => Math.max(header[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((cell, i) => (i < 3 ? cell.padEnd(width[i]!) : cell)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** How to fix each violated policy, from the policies' remediation text. */
export function remediationText(violations: readonly Violation[]): string {
  const names = [...new Set(violations.map((v) => v.policy))].sort();
  return names
    .map((name) => {
      const policy = vigilPolicies.find((p) => p.name === name);
      return `  ${name}: ${policy?.remediationSteps ?? policy?.description ?? ""}`;
    })
    .join("\n");
}

/** Runs the pack over a planned graph; the result `vigil check` prints. */
export async function checkResources(resources: readonly CloudResource[], config: PolicyPackConfig): Promise<Violation[]> {
  return evaluatePolicies(vigilPolicies, resources, config);
}

export async function runCheck(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("check", USAGE, argv, { "policy-config": { type: "string" } });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const policyConfigFile = parsed.values["policy-config"];
  if (policyConfigFile === "") {
    console.error(`vigil check: --policy-config needs a file\n${USAGE}`);
    return 1;
  }
  if (parsed.positionals.length !== 1) {
    console.error(USAGE);
    return 1;
  }
  const args = { spec: parsed.positionals[0]!, policyConfig: policyConfigFile };
  const loaded = loadSpecFile(args.spec);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  const policyConfig = policyConfigFor(loaded.spec, args.policyConfig);
  if ("errors" in policyConfig) {
    console.error(policyConfig.errors.join("\n"));
    return 1;
  }
  let resources: CloudResource[];
  try {
    // Loaded only now: the Pulumi SDKs take seconds to load, and bad input should fail fast.
    const { previewCloudResources } = await import("../../components/cloud-preview.ts");
    resources = await previewCloudResources(loaded.spec);
  } catch (err) {
    console.error(`vigil check: ${args.spec}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const violations = await checkResources(resources, policyConfig.config);
  const mandatory = violations.filter((v) => v.level === "mandatory").length;
  const advisory = violations.length - mandatory;
  const scope = `${vigilPolicies.length} policies over ${resources.length} resources, ${policyConfig.source}`;
  if (violations.length === 0) {
    console.log(`${args.spec}: ok: no policy violations (${scope})`);
    return 0;
  }
  console.log(violationTable(violations));
  console.log(`\nhow to fix:\n${remediationText(violations)}`);
  console.log(
    `\n${args.spec}: ${mandatory} mandatory, ${advisory} advisory violation${violations.length === 1 ? "" : "s"} (${scope})` +
      (mandatory > 0 ? ": blocked" : ""),
  );
  return mandatory > 0 ? 1 : 0;
}
