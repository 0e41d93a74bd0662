// Locating problems in a YAML file: YAML text → data plus a `locate(path)` to line/column, and
// ajv errors → readable, located SpecErrors. Shared by the spec loader and the agent's config
// reader; it imports no schema compiler, so the agent bundle stays small.
import type { ErrorObject } from "ajv";
import { LineCounter, parseAllDocuments, isMap, isSeq, isPair, isScalar, visit, Scalar, type Document, type Node } from "yaml";
import { formatPath, type SpecError } from "./spec-errors.ts";

export type Path = (string | number)[];
/**
 * Line and column of the value at `path` (of its key when `key`), or of its deepest ancestor;
 * with `offset`, of that character of a string value (a PromQL error inside a query).
 */
export type Locate = (path: readonly (string | number)[], key?: boolean, offset?: number) => { line: number; col: number };

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
  // A document that is only `null` or `~` is located at that scalar; an empty file has no position.
  if (data === null || data === undefined) return fail(doc.contents?.range?.[0], `is empty; expected ${what}`);
  return { ok: true, data, locate: (path, key = false, offset?: number) => at(offsetOf(doc, path, key, offset === undefined ? undefined : { text, offset })) };
}

/** Offset of the node at `path` (of its key when `key`), or of the deepest ancestor that exists. */
function offsetOf(doc: Document, path: readonly (string | number)[], key: boolean, inValue?: { text: string; offset: number }): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const [depth, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      // The key of the path's last part, not of an earlier part of the same name (agent.agent).
      if (key && depth === path.length - 1) return keyNode.range?.[0] ?? offset;
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
  if (inValue && isScalar(node) && typeof node.value === "string" && node.range) {
    return sourceOffset(inValue.text, node, inValue.offset);
  }
  return offset;
}

/**
 * The text offset of character `at` of a string scalar's value: through quotes, '' and
 * backslash escapes on one line, and through the indentation of a block scalar. A multi-line
 * flow scalar gives its start.
 */
function sourceOffset(text: string, node: Scalar, at: number): number {
  const [start, end] = node.range!;
  const src = text.slice(start, end);
  switch (node.type) {
    case Scalar.PLAIN:
      return src.includes("\n") ? start : start + Math.min(at, src.length);
    case Scalar.QUOTE_SINGLE: {
      if (src.includes("\n")) return start;
      let i = 1;
      for (let v = 0; v < at && i < src.length - 1; v++) i += src.startsWith("''", i) ? 2 : 1;
      return start + i;
    }
    case Scalar.QUOTE_DOUBLE: {
      if (src.includes("\n")) return start;
      let i = 1;
      let v = 0;
      while (v < at && i < src.length - 1) {
        if (src[i] !== "\\") {
          i += 1;
          v += 1;
          continue;
        }
        const kind = src[i + 1];
        const width = kind === "x" ? 4 : kind === "u" ? 6 : kind === "U" ? 10 : 2;
        v += kind === "U" && parseInt(src.slice(i + 2, i + 10), 16) > 0xffff ? 2 : 1;
        i += width;
      }
      return start + i;
    }
    default: {
      // Block scalar: a header line, then the value's lines, each behind the same indentation.
      const value = String(node.value);
      const line = value.slice(0, at).split("\n").length - 1;
      const col = at - (value.lastIndexOf("\n", at - 1) + 1);
      const body = src.slice(src.indexOf("\n") + 1).split("\n");
      const indent = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length));
      if (node.type === Scalar.BLOCK_FOLDED || line >= body.length || !Number.isFinite(indent)) return start;
      const before = body.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
      return start + src.indexOf("\n") + 1 + before + indent + col;
    }
  }
}

/** What a pattern means, in words, for the patterns the schema uses. */
const PATTERN_MEANING: Record<string, string> = {
  "^[a-z0-9]([a-z0-9-]*[a-z0-9])?$": "lowercase letters, digits and inner dashes",
  "^[1-9][0-9]*(s|m|h|d|w)$": "a duration like 30s, 5m, 6h, 30d",
  "^(/(?!\\.\\.?(/|$))[^/\\u0000-\\u001f\\u007f-\\u009f]+)+$": "an absolute path (no empty, . or .. segments, no control characters)",
  "^[^\\u0000-\\u001f\\u007f-\\u009f]*$": "text on one line, without control characters",
  "^[a-z_][a-z0-9_-]*$": "a Unix user name",
  "^[A-Za-z][A-Za-z0-9_]*$": "a secret name (letters, digits, _)",
  "\\{\\{window\\}\\}": "a PromQL expression containing {{window}}",
  "^[a-z0-9][a-z0-9_-]*$": "a receiver name (lowercase letters, digits, - and _; names with a dot, like vigil.*, are reserved)",
  "^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$": "a Prometheus label name (letters, digits and _, not starting with __, which Prometheus reserves)",
  "^(\\.\\.\\.|(?!__)[a-zA-Z_][a-zA-Z0-9_]*)$": "a Prometheus label name (not starting with __) or ... for all labels",
  "^[a-z0-9][a-z0-9._-]*$": "an image slug (lowercase letters, digits, ., _ and -)",
  "^[0-9A-Fa-f.:/]+$": "an IP address or CIDR like 203.0.113.10/32",
  "^[0-9./]+$": "an IPv4 CIDR like 10.20.0.0/24",
  "^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( [^\\u0000-\\u001f\\u007f-\\u009f]*)?$":
    "an OpenSSH public key line (type, base64 key, then an optional comment without control characters)",
};

/** What a `format` means, in words (the formats of schema/value-formats.ts). */
const FORMAT_MEANING: Record<string, string> = {
  "http-url": "an http:// or https:// URL with a host name or IP address, only RFC 3986 characters (no spaces, quotes, braces, backslashes or control characters) and no user:password@",
  "https-url": "an https:// URL with a host name or IP address, only RFC 3986 characters (no spaces, quotes, braces, backslashes or control characters) and no user:password@",
  host: "an IP address or host name",
  "host-port": "host:port with a host name or IP address (IPv6 in brackets) and a port from 1 to 65535",
  email: "a plain e-mail address like name@example.com (no display name, quotes, spaces or { } | `)",
};

/** The kind of name a map's keys are, by the map's key pattern, for "not a valid ..." messages. */
const KEY_KIND: Record<string, string> = {
  "^[a-z0-9][a-z0-9_-]*$": "receiver name",
  "^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$": "label name",
};


function pathOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const YAML_TYPE: Record<string, string> = { object: "mapping", array: "list" };

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
        const schema = e.parentSchema as { properties?: object; patternProperties?: object };
        path = [...path, extra];
        key = true;
        const keyPattern = Object.keys(schema.patternProperties ?? {})[0];
        if (keyPattern !== undefined) {
          // A map with named entries (receivers, match labels): the name does not fit.
          const kind = KEY_KIND[keyPattern] ?? "name";
          message = /^vigil\./i.test(extra)
            ? `${kind} ${show(extra)} is reserved: vigil.* names belong to vigil`
            : `${show(extra)} is not a valid ${kind}: must be ${PATTERN_MEANING[keyPattern] ?? `like /${keyPattern}/`}`;
        } else {
          const known = Object.keys(schema.properties ?? {}).filter((k) => k !== "$schema");
          message = `unknown field "${extra}"${known.length ? ` (expected one of: ${known.join(", ")})` : ""}`;
        }
        break;
      }
      case "type":
        if (parent.title === "secret reference" && typeof e.data === "string") {
          message = "is a plain string, but secrets must be given as { secret: NAME } (Pulumi config secret vigil:NAME, or env VIGIL_SECRET_NAME)";
        } else {
          // In YAML's words: a mapping, a list (JSON Schema's object, array).
          const expected = YAML_TYPE[(e.params as { type: string }).type] ?? (e.params as { type: string }).type;
          const got = e.data === null ? "null" : Array.isArray(e.data) ? "a list" : typeof e.data === "object" ? "a mapping" : typeof e.data;
          message = `must be ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}, got ${got}`;
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
      case "format": {
        const format = (e.params as { format: string }).format;
        message = `must be ${FORMAT_MEANING[format] ?? `a ${format}`} (got ${show(e.data)})`;
        break;
      }
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
