// Runs the policy pack in-process over a planned resource graph, the way @pulumi/policy's own
// analyzer server does under `pulumi preview --policy-pack` (server.js: analyze per resource,
// analyzeStack once, enforcement level = policy config > "all" > the policy's own > advisory,
// notApplicable skips). Used by `vigil check`; test/policies/crossguard-agreement.test.ts
// holds it to the real server's answers.
import type {
  EnforcementLevel,
  Policies,
  PolicyConfigSchema,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** A resource as `vigil plan` computes it (components/cloud-preview.ts). */
export interface GraphResource {
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, unknown>;
}

export type ReportedLevel = "mandatory" | "advisory";

export interface Violation {
  policy: string;
  level: ReportedLevel;
  /** The resource the violation is about: its URN (the spec component's for spec policies). */
  urn: string | undefined;
  /** That resource's name, or "(stack)". */
  resource: string;
  /** That resource's Pulumi type token, or "" for the stack. */
  type: string;
  message: string;
}

/** The policies' own metadata that a report shows next to a violation. */
export interface PolicyInfo {
  name: string;
  description: string;
  remediationSteps?: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: PolicyConfigSchema;
}

type Level = EnforcementLevel;
const levelOf = (entry: PolicyPackConfig[string] | undefined): Level | undefined =>
  typeof entry === "string" ? entry : (entry?.enforcementLevel as Level | undefined);

/** The level a policy runs at under `config`: its own entry, then "all", then its default. */
export function enforcementLevel(config: PolicyPackConfig, policy: PolicyInfo): Level {
  return levelOf(config[policy.name]) ?? levelOf(config.all) ?? policy.enforcementLevel ?? "advisory";
}

/** What args.getConfig() returns for a policy: its config entry without enforcementLevel. */
export function policyConfig(config: PolicyPackConfig, name: string): Record<string, unknown> {
  const entry = config[name];
  if (entry === undefined || typeof entry === "string") return {};
  const { enforcementLevel: _level, ...rest } = entry;
  return rest;
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason ?? "not applicable");
};

const OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

type ResourceClass = { new (...rest: never[]): unknown } & { __pulumiType?: unknown; isInstance?: unknown };
/** Same test as the analyzer's isTypeOf: the class's Pulumi type token equals the resource's. */
function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
  const token = resourceClass.__pulumiType;
  if (typeof token === "string" && token.length > 0) return token === type;
  return typeof resourceClass.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
}

const isResourcePolicy = (p: object): p is ResourceValidationPolicy => "validateResource" in p && p.validateResource !== undefined;
const isStackPolicy = (p: object): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";

/** Properties travel to the analyzer as a protobuf Struct: plain JSON, undefined fields dropped. */
const asEngineSees = (inputs: Record<string, unknown>): Record<string, unknown> => JSON.parse(JSON.stringify(inputs)) as Record<string, unknown>;

const reported = (level: Level): ReportedLevel => (level === "advisory" ? "advisory" : "mandatory");

/** Every violation of `policies` over `resources` under `config`, in the analyzer's order. */
export async function evaluatePolicies(policies: Policies, resources: readonly GraphResource[], config: PolicyPackConfig = {}): Promise<Violation[]> {
  const out: Violation[] = [];
  const stackTags: ReadonlyMap<string, string> = new Map();
  const byUrn = new Map(resources.map((r) => [r.urn, r]));

  // analyze: every resource policy on every resource, resource by resource.
  for (const resource of resources) {
    // One copy of the properties per resource, shared by its policies (none of which mutates it).
    let props: Record<string, unknown> | undefined;
    for (const policy of policies) {
      const level = enforcementLevel(config, policy);
      if (level === "disabled" || !isResourcePolicy(policy)) continue;
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
      // The analyzer's fast path: a single validateResourceOfType for another type does not run.
      const onlyType = validations.length === 1 ? (validations[0] as { __pulumiType?: unknown }).__pulumiType : undefined;
      if (typeof onlyType === "string" && onlyType !== "" && onlyType !== resource.type) continue;
      props ??= asEngineSees(resource.inputs);
      for (const validate of validations) {
        const args: ResourceValidationArgs = {
          type: resource.type,
          props,
          urn: resource.urn,
          name: resource.name,
          opts: OPTIONS,
          stackTags,
          isType: (cls) => isTypeOf(resource.type, cls as unknown as ResourceClass),
          asType: ((cls: ResourceClass) => (isTypeOf(resource.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"],
          getConfig: <T extends object>() => policyConfig(config, policy.name) as T,
          notApplicable,
        };
        const report = (message: string) =>
          out.push({ policy: policy.name, level: reported(level), urn: resource.urn, resource: resource.name, type: resource.type, message });
        try {
          await validate(args, report);
        } catch (err) {
          if (!(err instanceof NotApplicable)) throw err;
        }
      }
    }
  }

  // analyzeStack: every stack policy once over the whole graph.
  const stackResources: PolicyResource[] = resources.map((r) => {
    // Copied on first read: stack policies look at a few resources of a large graph.
    let props: Record<string, unknown> | undefined;
    const propsOf = () => (props ??= asEngineSees(r.inputs));
    return {
      type: r.type,
      get props() {
        return propsOf();
      },
      urn: r.urn,
      name: r.name,
      opts: OPTIONS,
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => isTypeOf(r.type, cls as unknown as ResourceClass),
      asType: ((cls: ResourceClass) => (isTypeOf(r.type, cls) ? propsOf() : undefined)) as PolicyResource["asType"],
    };
  });
  for (const policy of policies) {
    const level = enforcementLevel(config, policy);
    if (level === "disabled" || !isStackPolicy(policy)) continue;
    const args: StackValidationArgs = {
      resources: stackResources,
      stackTags,
      getConfig: <T extends object>() => policyConfig(config, policy.name) as T,
      notApplicable,
    };
    const report = (message: string, urn?: string) => {
      const target = urn === undefined ? undefined : byUrn.get(urn);
      out.push({ policy: policy.name, level: reported(level), urn, resource: target?.name ?? urn ?? "(stack)", type: target?.type ?? "", message });
    };
    try {
      await policy.validateStack(args, report);
    } catch (err) {
      if (!(err instanceof NotApplicable)) throw err;
    }
  }
  return out;
}
