// What every vigil policy is: a plain @pulumi/policy policy (so CrossGuard runs it unchanged)
// that also states how to fix a violation and the defaults of its configuration.
import type { PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** The @pulumi/policy fields vigil insists on: every policy says how to fix what it reports. */
interface VigilPolicyFields {
  name: string;
  description: string;
  remediationSteps: string;
  /** The level when no policy config names this policy: advisory (prod.json raises it). */
  enforcementLevel: "advisory";
  configSchema: PolicyConfigSchema;
}

export type VigilResourcePolicy = ResourceValidationPolicy & VigilPolicyFields;
export type VigilStackPolicy = StackValidationPolicy & VigilPolicyFields;
export type VigilPolicy = VigilResourcePolicy | VigilStackPolicy;

/**
 * The configuration a policy runs with: its schema's defaults under what the config file gave.
 * The Pulumi CLI may or may not have filled the defaults already; merging here gives the same
 * result either way, under CrossGuard and under `vigil check`.
 */
export function withDefaults<T extends object>(schema: PolicyConfigSchema, given: object): T {
  const defaults: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (prop.default !== undefined) defaults[key] = prop.default;
  }
  return { ...defaults, ...given } as T;
}
