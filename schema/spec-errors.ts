// One error shape for everything that can be wrong with a spec file, and its one text format.

/** A problem in a spec file, located at a field. */
export interface SpecError {
  file: string;
  /** 1-based; 0 when the problem has no position (missing file). */
  line: number;
  col: number;
  /** The field, like `hosts[0].agent.sqlite[1].path`; empty for the whole file. */
  path: string;
  message: string;
}

/** `hosts[0].name` from ["hosts", 0, "name"]. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** `file:line:col path: message`, the format SPEC.md promises for `vigil validate`. */
export function formatError(e: SpecError): string {
  const where = e.line > 0 ? `${e.file}:${e.line}:${e.col}` : e.file;
  return e.path ? `${where} ${e.path}: ${e.message}` : `${where}: ${e.message}`;
}

export const formatErrors = (errors: readonly SpecError[]): string => errors.map(formatError).join("\n");
