// Policy config files (policies/config/<env>.json) in the Pulumi policy-config format:
// { "all"?: LEVEL | { enforcementLevel }, "<policy>": LEVEL | { enforcementLevel?, ...config } }.
// Checked here against each policy's configSchema, as the Pulumi CLI checks --policy-pack-config.
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import type { PolicyPackConfig } from "@pulumi/policy";
import type { PolicyInfo } from "./evaluate.ts";

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"];

export type PolicyConfigResult = { ok: true; config: PolicyPackConfig } | { ok: false; errors: string[] };

/** Parses and checks policy-config text; errors read `FILE: <policy>.<field>: message`. */
export function parsePolicyConfig(text: string, file: string, policies: readonly PolicyInfo[]): PolicyConfigResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [`${file}: not valid JSON: ${(err as Error).message}`] };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, errors: [`${file}: must be a JSON object of policy names, like { "ssh-not-open-to-world": "mandatory" }`] };
  }
  const byName = new Map(policies.map((p) => [p.name, p]));
  const errors: string[] = [];
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const [name, entry] of Object.entries(data)) {
    const policy = byName.get(name);
    if (name !== "all" && !policy) {
      errors.push(`${file}: unknown policy "${name}" (policies: ${[...byName.keys()].join(", ")})`);
      continue;
    }
    if (typeof entry === "string") {
      if (!LEVELS.includes(entry)) errors.push(`${file}: ${name}: enforcement level must be one of ${LEVELS.join(", ")} (got "${entry}")`);
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      errors.push(`${file}: ${name}: must be an enforcement level or an object with enforcementLevel and the policy's settings`);
      continue;
    }
    const { enforcementLevel, ...settings } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as string)) {
      errors.push(`${file}: ${name}.enforcementLevel must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(enforcementLevel)})`);
    }
    const schema = policy?.configSchema ?? { properties: {} };
    const validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required ?? [], additionalProperties: false });
    if (!validate(settings)) {
      for (const e of validate.errors ?? []) {
        const extra = (e.params as { additionalProperty?: string }).additionalProperty;
        if (extra !== undefined) {
          const known = Object.keys(schema.properties);
          errors.push(`${file}: ${name}: unknown setting "${extra}"${known.length ? ` (settings: ${known.join(", ")})` : " (this policy has no settings)"}`);
        } else {
          errors.push(`${file}: ${name}${e.instancePath.replace(/\//g, ".")}: ${e.message ?? "is invalid"}`);
        }
      }
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, config: data as PolicyPackConfig };
}

/** Reads and checks a policy-config file. */
export function loadPolicyConfig(file: string, policies: readonly PolicyInfo[]): PolicyConfigResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [`${file}: cannot read policy config: ${code === "ENOENT" ? "no such file" : String(code ?? err)}`] };
  }
  return parsePolicyConfig(text, file, policies);
}
