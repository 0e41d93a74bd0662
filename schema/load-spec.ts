// Reading a spec: YAML with positions → ajv (defaults filled) → cross-field checks.
// Every problem comes back as a located SpecError; nothing here throws on bad input.
import { readFileSync, statSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import { specJsonSchema } from "./json-schema.ts";
import { crossCheck } from "./cross-checks.ts";
import { SPEC_FORMATS } from "./value-formats.ts";
import { parseLocated, schemaErrors, sortErrors, type Locate } from "./locate.ts";
import { formatPath, type SpecError } from "./spec-errors.ts";
import type { Spec } from "./spec-schema.ts";
import { defaultVpcRange, vpcRangeProblems } from "./vpc-range.ts";
import { logSourceProblems } from "./log-checks.ts";

/** A valid spec, and where its fields are in the file (for checks across several files). */
export type LoadResult = { ok: true; spec: Spec; file: string; locate: Locate } | { ok: false; errors: SpecError[] };

let compiled: ValidateFunction | undefined;
/** ajv is compiled once per process: compiling costs more than validating a large spec. */
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, allowUnionTypes: true });
    for (const [name, validate] of Object.entries(SPEC_FORMATS)) ajv.addFormat(name, { type: "string", validate });
    compiled = ajv.compile(specJsonSchema());
  }
  return compiled;
}

/** Reads and validates a spec file. */
export function loadSpecFile(file: string): LoadResult {
  let text: string;
  try {
    if (statSync(file).isDirectory()) {
      return fail(file, "is a directory; give a spec file such as stacks/prod.yaml");
    }
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(code ?? err);
    return fail(file, `cannot read spec: ${reason}`);
  }
  return loadSpecText(text, file);
}

/** Validates spec text; `file` names it in errors. */
export function loadSpecText(text: string, file: string): LoadResult {
  const parsed = parseLocated(text, file, "a vigil spec (version: 1, environment, hosts, alerts, ...)");
  if (!parsed.ok) return parsed;
  const { data, locate } = parsed;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, errors: [{ file, ...locate([]), path: "", message: "must be a mapping of spec fields (version, environment, hosts, ...)" }] };
  }
  const validate = validator();
  if (!validate(data)) return { ok: false, errors: schemaErrors(validate.errors ?? [], file, locate) };
  const spec = fillDerivedDefaults(data as Spec);
  const problems = [...crossCheck(spec), ...vpcRangeProblems(spec), ...logSourceProblems(spec)];
  if (problems.length > 0) {
    return {
      ok: false,
      errors: sortErrors(problems.map((p) => ({ file, ...locate(p.path, p.key ?? false, p.offset), path: formatPath(p.path), message: p.message }))),
    };
  }
  return { ok: true, spec, file, locate };
}

/**
 * Fills the defaults that depend on other fields (spec-schema.ts marks them DERIVED_DEFAULT),
 * after ajv filled the plain ones: `vpc.ipRange` from project and environment.
 */
function fillDerivedDefaults(spec: Spec): Spec {
  if ((spec.vpc.ipRange as string | undefined) === undefined) spec.vpc.ipRange = defaultVpcRange(spec.project, spec.environment);
  return spec;
}

function fail(file: string, message: string): LoadResult {
  return { ok: false, errors: [{ file, line: 0, col: 0, path: "", message }] };
}
