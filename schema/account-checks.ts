// Checks across the spec files of one DigitalOcean account (`vigil validate a.yaml b.yaml ...`):
// what DigitalOcean keeps unique per account, not per spec. VPC ranges may not overlap any other
// VPC of the account, in any region; project names (`<project>-<environment>`) are unique.
// Each clash is reported in every file involved, so each file's owner sees it. Pure.
import type { Locate } from "./locate.ts";
import type { SpecError } from "./spec-errors.ts";
import type { Spec } from "./spec-schema.ts";
import { defaultVpcRange, rangesOverlap } from "./vpc-range.ts";

/** A valid spec with its file and the locator of its fields. */
export interface LoadedSpec {
  file: string;
  spec: Spec;
  locate: Locate;
}

/** `<project>-<environment>`: the DigitalOcean project, and the prefix of every resource name. */
export const projectName = (spec: Spec): string => `${spec.project}-${spec.environment}`;

/** Every clash between the specs, located in each file involved, in file order. */
export function accountProblems(specs: readonly LoadedSpec[]): SpecError[] {
  const out: SpecError[] = [];
  specs.forEach((a, i) => {
    specs.forEach((b, j) => {
      if (i === j) return;
      if (rangesOverlap(a.spec.vpc.ipRange, b.spec.vpc.ipRange)) {
        out.push(vpcError(a, `overlaps ${describeRange(b)} of ${b.file} (${projectName(b.spec)}); VPC ranges must not overlap within a DigitalOcean account: set vpc.ipRange in one of them`));
      }
      if (projectName(a.spec) === projectName(b.spec)) {
        out.push({
          file: a.file,
          ...a.locate(["environment"]),
          path: "environment",
          message: `project "${projectName(a.spec)}" is also that of ${b.file}; DigitalOcean project names are unique per account: change project or environment in one of them`,
        });
      }
    });
  });
  return out;
}

/** Whether the spec's range is the derived default (the file has no vpc.ipRange of its own). */
const isDerived = (s: LoadedSpec): boolean => s.spec.vpc.ipRange === defaultVpcRange(s.spec.project, s.spec.environment);

const describeRange = (s: LoadedSpec): string =>
  `the VPC range ${s.spec.vpc.ipRange}${isDerived(s) ? " (derived from project and environment)" : ""}`;

/** An error about the VPC range: at vpc.ipRange, or at `project` when the range is derived from it. */
function vpcError(s: LoadedSpec, message: string): SpecError {
  const at = isDerived(s) ? s.locate(["project"]) : s.locate(["vpc", "ipRange"]);
  const derived = isDerived(s) ? `${s.spec.vpc.ipRange} (derived from project and environment) ` : `${s.spec.vpc.ipRange} `;
  return { file: s.file, ...at, path: "vpc.ipRange", message: `${derived}${message}` };
}
