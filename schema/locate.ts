// Locating problems in a YAML file: YAML text → data plus a `locate(path)` to line/column, and
// ajv errors → readable, located SpecErrors. Shared by the spec loader and the agent's config
// reader; it imports no schema compiler, so the agent bundle stays small.
import type { ErrorObject } from "ajv";
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, visit, type Document, type Node } from "yaml";
import { formatPath, type SpecError } from "./spec-errors.ts";

export type Path = (string | number)[];
/** Line and column of the value at `path` (of its key when `key`), or of its deepest ancestor. */
export type Locate = (path: readonly (string | number)[], key?: boolean) => { line: number; col: number };

export type Parsed = { ok: true; data: unknown; locate: Locate } | { ok: false; errors: SpecError[] };

/**
 * Parses one YAML document keeping positions. Syntax errors, duplicate keys, several documents
 * and unresolved aliases come back as located errors; `what` completes "is empty; expected ...".
 */
export function parseLocated(text: string, file: string, what: string): Parsed {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  const fail = (offset: number | undefined, message: string): Parsed => ({
    ok: false,
    errors: [{ file, ...(offset === undefined ? { line: 0, col: 0 } : at(offset)), path: "", message }],
  });
  if (!Array.isArray(docs) || docs.length === 0) return fail(undefined, `is empty; expected ${what}`);
  if (docs.length > 1) return fail(docs[1]!.range[0], "holds several YAML documents; one per file");
  const doc = docs[0]!;
  const syntax = [...doc.errors, ...doc.warnings.filter((w) => w.code === "DUPLICATE_KEY")];
  if (syntax.length > 0) {
    return { ok: false, errors: syntax.map((e) => ({ file, ...at(e.pos[0]), path: "", message: `YAML: ${e.message.split("\n")[0]}` })) };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolved or exploding aliases: point at the first alias the message names.
    const message = err instanceof Error ? err.message : String(err);
    let offset = doc.contents?.range?.[0] ?? 0;
    visit(doc, {
      Alias(_, node) {
        if (message.includes(node.source)) {
          offset = node.range?.[0] ?? offset;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return fail(offset, `YAML: ${message}`);
  }
  if (data === null || data === undefined) return fail(undefined, `is empty; expected ${what}`);
  return { ok: true, data, locate: (path, key = false) => at(offsetOf(doc, path, key)) };
}

/** Offset of the node at `path` (of its key when `key`), or of the deepest ancestor that exists. */
function offsetOf(doc: Document, path: readonly (string | number)[], key: boolean): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      if (key && part === path[path.length - 1]) return keyNode.range?.[0] ?? offset;
      node = (pair.value as Node | null) ?? null;
      offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** What a pattern means, in words, for the patterns the schema uses. */
const PATTERN_MEANING: Record<string, string> = {
  "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$": "lowercase letters, digits and inner dashes",
  "^[1-9][0-9]*(s|m|h|d|w)$": "a duration like 30s, 5m, 6h, 30d",
  "^/": "an absolute path",
  "^[^\\s:]+:[0-9]{1,5}$": "host:port",
  "^https?://[^\\s/]+": "an http:// or https:// URL",
  "^https?://": "an http:// or https:// URL",
  "^https://": "an https:// URL",
  "^[a-z_][a-z0-9_-]*$": "a Unix user name",
  "^[A-Za-z][A-Za-z0-9_]*$": "a secret name (letters, digits, _)",
  "\\{\\{window\\}\\}": "a PromQL expression containing {{window}}",
};

function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Turns ajv's errors into one readable, located message per problem. */
export function schemaErrors(raw: readonly ErrorObject[], file: string, locate: Locate): SpecError[] {
  // An anyOf failure is reported once, by its own description; the branch errors are noise.
  const anyOfPaths = raw.filter((e) => e.keyword === "anyOf").map((e) => e.schemaPath);
  const errors = raw.filter((e) => e.keyword === "anyOf" || !anyOfPaths.some((p) => e.schemaPath.startsWith(p.replace(/\/anyOf$/, "/anyOf/"))));
  const out: SpecError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path = pathOf(e.instancePath);
    let key = false;
    let message: string;
    const parent = (e.parentSchema ?? {}) as { title?: string; description?: string; pattern?: string };
    const last = path[path.length - 1];
    switch (e.keyword) {
      case "required": {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        message = `missing required field "${missing}"`;
        break;
      }
      case "additionalProperties": {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).filter((k) => k !== "$schema");
        path = [...path, extra];
        key = true;
        message = `unknown field "${extra}"${known.length ? ` (expected one of: ${known.join(", ")})` : ""}`;
        break;
      }
      case "type":
        if (parent.title === "secret reference" && typeof e.data === "string") {
          message = "is a plain string, but secrets must be given as { secret: NAME } (Pulumi config secret vigil:NAME, or env VIGIL_SECRET_NAME)";
        } else {
          const expected = (e.params as { type: string }).type;
          const got = e.data === null ? "null" : Array.isArray(e.data) ? "a list" : typeof e.data;
          message = `must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected === "object" ? "mapping" : expected === "array" ? "list" : expected}, got ${got}`;
        }
        break;
      case "enum":
        message = `must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).join(", ")} (got ${show(e.data)})`;
        break;
      case "const":
        message =
          last === "version"
            ? `unsupported spec version ${show(e.data)}: this vigil reads version 1`
            : `must be ${show((e.params as { allowedValue: unknown }).allowedValue)}`;
        break;
      case "pattern":
        message = `must be ${PATTERN_MEANING[parent.pattern ?? ""] ?? parent.description ?? `like /${parent.pattern}/`} (got ${show(e.data)})`;
        break;
      case "format":
        message = `must be ${(e.params as { format: string }).format === "email" ? "an e-mail address" : `a ${(e.params as { format: string }).format}`} (got ${show(e.data)})`;
        break;
      case "exclusiveMaximum":
        message =
          last === "objective"
            ? `an objective of ${show(e.data)}% leaves no error budget (the burn rate would be infinite); use at most 99.99`
            : `must be below ${(e.params as { limit: number }).limit} (got ${show(e.data)})`;
        break;
      case "minProperties":
      case "maxProperties":
        message = parent.description ? `must have ${parent.description}` : (e.message ?? "invalid");
        break;
      case "anyOf":
        message = `must be ${parent.description ?? "one of the allowed forms"} (got ${show(e.data)})`;
        break;
      case "uniqueItems":
        message = `must not repeat items (items ${(e.params as { i: number; j: number }).j} and ${(e.params as { i: number }).i} are the same)`;
        break;
      default:
        message = `${e.message ?? "is invalid"}${e.data !== undefined && typeof e.data !== "object" ? ` (got ${show(e.data)})` : ""}`;
    }
    const formatted = formatPath(path);
    const dedupe = `${formatted}\u0000${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    out.push({ file, ...locate(path, key), path: formatted, message });
  }
  return sortErrors(out);
}


export const sortErrors = (errors: SpecError[]): SpecError[] =>
  errors.sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
