// The validated spec as a resource of its own, so the policy pack can read it during
// `pulumi preview --policy-pack`.
//
// Visibility to CrossGuard: resource policies (`validateResource`) receive a resource's inputs, and
// the engine analyzes every registered resource, components included; @pulumi/pulumi >= 3.202
// sends a local component's constructor args as its inputs (before that they were dropped). Stack
// policies (`validateStack`) receive each resource's outputs, which for a component are what it
// passes to registerOutputs. The spec goes to both, so either kind of policy finds it.
import * as pulumi from "@pulumi/pulumi";
import type { Spec } from "../schema/spec-schema.ts";

/** Pulumi type token of the spec resource. */
export const SPEC_TYPE = "vigil:index:Spec";

export interface SpecResourceArgs {
  /**
   * The validated spec with defaults filled. Secrets appear only as references
   * (`{ secret: NAME }`): the spec never holds secret values, so nothing here needs hiding.
   */
  spec: Spec;
}

/** `vigil:index:Spec`, named after the environment; inputs and outputs `{ spec }`. */
export class SpecResource extends pulumi.ComponentResource {
  constructor(name: string, args: SpecResourceArgs, opts?: pulumi.ComponentResourceOptions) {
    const { $schema: _schema, ...spec } = args.spec;
    super(SPEC_TYPE, name, { spec }, opts);
    this.registerOutputs({ spec });
  }
}
