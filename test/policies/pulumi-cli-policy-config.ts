// How the Pulumi CLI turns `--policy-pack-config FILE` into the Configure request it sends to a
// policy pack, written from the CLI's Go source (pkg/resource/analyzer/config.go:
// parsePolicyPackConfig, extractEnforcementLevel, createConfigWithDefaults, applyConfig,
// ReconcilePolicyPackConfig; sdk/go/common/resource/plugin/analyzer_plugin.go: GetAnalyzerInfo,
// Configure). Deliberately independent of vigil: it imports nothing from policies/, and the
// policies' default levels and config schemas come from the pack's own GetAnalyzerInfo answer,
// as the CLI gets them. The agreement test holds `vigil check` (policies/evaluate.ts) to this.
import { readFileSync } from "node:fs";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type CliLevel = (typeof ENFORCEMENT_LEVELS)[number];
const isLevel = (v: unknown): v is CliLevel => typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);

/** plugin.AnalyzerPolicyConfig: a level ("" when unset) and the policy's properties. */
export interface CliPolicyConfig {
  enforcementLevel: CliLevel | "";
  properties: Record<string, unknown> | undefined;
}

/** plugin.AnalyzerPolicyInfo, as the CLI builds it from GetAnalyzerInfo. */
export interface CliPolicyInfo {
  name: string;
  enforcementLevel: CliLevel;
  /** JSON Schema of each setting (the CLI reads `default` from these). */
  configProperties: Record<string, Record<string, unknown>> | undefined;
}

/** parsePolicyPackConfig: the file's JSON, each entry a level string or an object. */
export function parsePolicyPackConfig(text: string): Map<string, CliPolicyConfig> | undefined {
  if (text.trim() === "") return undefined; // "Gracefully allow empty content."
  const config = JSON.parse(text) as Record<string, unknown>;
  const result = new Map<string, CliPolicyConfig>();
  for (const [name, value] of Object.entries(config)) {
    let enforcementLevel: CliLevel | "" = "";
    let properties: Record<string, unknown> | undefined;
    if (typeof value === "string") {
      if (!isLevel(value)) throw new Error(`parsing enforcement level for "${name}": "${value}" is not a valid enforcement level`);
      enforcementLevel = value;
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      // extractEnforcementLevel: validated, then deleted from the properties.
      const { enforcementLevel: level, ...rest } = value as Record<string, unknown>;
      if (level !== undefined) {
        if (!isLevel(level)) throw new Error(`parsing enforcement level for "${name}": ${JSON.stringify(level)} is not a valid enforcement level`);
        enforcementLevel = level;
      }
      if (Object.keys(rest).length > 0) properties = rest;
    } else {
      throw new Error(`parsing "${name}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
    }
    // "Don't bother including empty configs."
    if (enforcementLevel === "" && properties === undefined) continue;
    result.set(name, { enforcementLevel, properties });
  }
  return result;
}

/** applyConfig: "all" first (level only, over every entry so far), then each named entry. */
function applyConfig(result: Map<string, CliPolicyConfig>, toApply: ReadonlyMap<string, CliPolicyConfig>): Map<string, CliPolicyConfig> {
  const all = toApply.get("all");
  if (all !== undefined && isLevel(all.enforcementLevel)) {
    for (const [name, current] of result) result.set(name, { enforcementLevel: all.enforcementLevel, properties: current.properties });
  }
  for (const [name, given] of toApply) {
    const current = result.get(name);
    let enforcementLevel = current?.enforcementLevel ?? "";
    let properties = current?.properties;
    if (isLevel(given.enforcementLevel)) enforcementLevel = given.enforcementLevel;
    if (given.properties !== undefined && Object.keys(given.properties).length > 0) {
      properties = { ...(properties ?? {}), ...given.properties };
    }
    result.set(name, { enforcementLevel, properties });
  }
  return result;
}

/**
 * ReconcilePolicyPackConfig: every served policy at its served level with its schema defaults,
 * then the pack's initial config, then the file. (The CLI then validates the properties against
 * each schema; vigil's own config check covers that and is tested elsewhere.)
 */
export function reconcilePolicyPackConfig(
  policies: readonly CliPolicyInfo[],
  initialConfig: ReadonlyMap<string, CliPolicyConfig> | undefined,
  config: ReadonlyMap<string, CliPolicyConfig> | undefined,
): Map<string, CliPolicyConfig> {
  let result = new Map<string, CliPolicyConfig>();
  for (const policy of policies) {
    let properties: Record<string, unknown> | undefined;
    for (const [key, schema] of Object.entries(policy.configProperties ?? {})) {
      if ("default" in schema) (properties ??= {})[key] = schema.default;
    }
    result.set(policy.name, { enforcementLevel: policy.enforcementLevel, properties });
  }
  if (initialConfig !== undefined) result = applyConfig(result, initialConfig);
  if (config !== undefined) result = applyConfig(result, config);
  return result;
}

/** LoadPolicyPackConfigFromFile. */
export const loadPolicyPackConfigFile = (file: string): Map<string, CliPolicyConfig> | undefined =>
  parsePolicyPackConfig(readFileSync(file, "utf8"));
