// Specs and resources for the policy tests: stacks/*.yaml with edits, their planned graphs, and
// hand-built DigitalOcean resources with the input shapes of @pulumi/digitalocean 4.80.
import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { PolicyPackConfig } from "@pulumi/policy";
import { previewCloudResources } from "../../components/cloud-preview.ts";
import { evaluatePolicies, type GraphResource, type Violation } from "../../policies/evaluate.ts";
import type { VigilPolicy } from "../../policies/vigil-policy.ts";
import { loadSpecText } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";

export const REPO = new URL("../../", import.meta.url);
export const repoPath = (path: string): string => new URL(path, REPO).pathname;

/** An edit of a spec file: set the value at the path, or delete it when the value is undefined. */
export type Edit = [path: (string | number)[], value: unknown];

/** The text of stacks/<env>.yaml with edits applied. */
export function stackText(env: "dev" | "prod", edits: Edit[] = []): string {
  const doc = parseDocument(readFileSync(repoPath(`stacks/${env}.yaml`), "utf8"));
  for (const [path, value] of edits) {
    if (value === undefined) doc.deleteIn(path);
    else doc.setIn(path, doc.createNode(value));
  }
  return doc.toString();
}

/** stacks/<env>.yaml with edits, validated (throws with the located errors when invalid). */
export function stackSpec(env: "dev" | "prod", edits: Edit[] = []): Spec {
  const loaded = loadSpecText(stackText(env, edits), `stacks/${env}.yaml (edited)`);
  if (!loaded.ok) throw new Error(`edited spec is invalid:\n${formatErrors(loaded.errors)}`);
  return loaded.spec;
}

/** One policy at the mandatory level (config settings optional) over a graph. */
export function runPolicy(policy: VigilPolicy, resources: readonly GraphResource[], settings: Record<string, unknown> = {}): Promise<Violation[]> {
  const config: PolicyPackConfig = { [policy.name]: { enforcementLevel: "mandatory", ...settings } };
  return evaluatePolicies([policy], resources, config);
}

const graphs = new Map<string, Promise<GraphResource[]>>();
/** The graph `pulumi up` would create for the spec (planned once per distinct spec: ~0.6 s each). */
export function graphOf(spec: Spec): Promise<GraphResource[]> {
  const key = JSON.stringify(spec);
  let graph = graphs.get(key);
  if (!graph) {
    graph = previewCloudResources(spec);
    graphs.set(key, graph);
  }
  return graph;
}

/** One policy over the graph `pulumi up` would create for the spec. */
export async function runPolicyOnSpec(policy: VigilPolicy, spec: Spec, settings: Record<string, unknown> = {}): Promise<Violation[]> {
  return runPolicy(policy, await graphOf(spec), settings);
}

const urn = (type: string, name: string) => `urn:pulumi:test::vigil::${type}::${name}`;

export function resource(type: string, name: string, inputs: Record<string, unknown>): GraphResource {
  return { type, name, urn: urn(type, name), inputs };
}

export const FIREWALL = "digitalocean:index/firewall:Firewall";
export const DROPLET = "digitalocean:index/droplet:Droplet";
export const VPC = "digitalocean:index/vpc:Vpc";

export const firewall = (name: string, inboundRules: Record<string, unknown>[]) => resource(FIREWALL, name, { name, inboundRules });
export const droplet = (name: string, inputs: Record<string, unknown>) =>
  resource(DROPLET, name, { name, image: "debian-12-x64", region: "fra1", size: "s-1vcpu-1gb", ...inputs });
export const vpc = (name: string, ipRange: string) => resource(VPC, name, { name, region: "fra1", ipRange });
/** The spec component as the Pulumi program registers it (inputs `{ spec }`). */
export const specResource = (spec: Spec) => resource("vigil:index:Spec", spec.environment, { spec });

/** Messages of the violations, for assertions. */
export const messages = (violations: readonly Violation[]): string[] => violations.map((v) => v.message);
