// Spec-level policies read the validated spec from the `vigil:index:Spec` component that the
// Pulumi program registers (its inputs and registered outputs hold the spec, secrets being only
// `{ secret: NAME }` references). `vigil check` sees the same component in previewCloudResources().
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import type { Spec } from "../schema/spec-schema.ts";

export const SPEC_RESOURCE_TYPE = "vigil:index:Spec";

/** The spec held by the component: under `spec`, or the component's properties themselves. */
function specIn(props: Record<string, unknown>): Spec | undefined {
  const looksLikeSpec = (v: unknown): v is Spec =>
    typeof v === "object" && v !== null && Array.isArray((v as { hosts?: unknown }).hosts) && typeof (v as { alerts?: unknown }).alerts === "object";
  if (looksLikeSpec(props.spec)) return props.spec;
  if (looksLikeSpec(props)) return props;
  return undefined;
}

/** The spec and the component's URN; marks the policy not applicable when the stack has none. */
export function specOfStack(args: StackValidationArgs): { spec: Spec; urn: string; resource: PolicyResource } {
  const resource = args.resources.find((r) => r.type === SPEC_RESOURCE_TYPE);
  const spec = resource ? specIn(resource.props) : undefined;
  if (!resource || !spec) return args.notApplicable(`the stack has no ${SPEC_RESOURCE_TYPE} component holding the vigil spec`);
  return { spec, urn: resource.urn, resource };
}

/** Names of the spec's node hosts. */
export const nodeHostNames = (spec: Spec): string[] => spec.hosts.filter((h) => h.roles.includes("node")).map((h) => h.name);

/** Names of the spec's hub hosts. */
export const hubHostNames = (spec: Spec): string[] => spec.hosts.filter((h) => h.roles.includes("hub")).map((h) => h.name);

/** `a`, `a and b`, `a, b and c`. */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
