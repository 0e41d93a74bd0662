// Reading the agent's config file: a host's `agent` block as YAML or JSON (JSON is YAML), checked
// against the spec's own AgentConfig schema. Every problem comes back as a located SpecError
// (`file:line:col path: message`), the format `vigil validate` uses; nothing here throws.
import { readFileSync } from "node:fs";
import type { ErrorObject } from "ajv";
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from "yaml";
import { databaseLabel } from "../../schema/cross-checks.ts";
import { durationSeconds } from "../../schema/durations.ts";
import { formatPath, type SpecError } from "../../schema/spec-errors.ts";
import type { AgentConfig } from "../../schema/spec-schema.ts";
import { validateAgentConfig } from "./agent-config-validator.ts";

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: SpecError[] };

type Path = (string | number)[];

export function loadAgentConfigFile(file: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : String(code ?? err);
    return { ok: false, errors: [{ file, line: 0, col: 0, path: "", message: `cannot read agent config: ${reason}` }] };
  }
  return loadAgentConfigText(text, file);
}

export function loadAgentConfigText(text: string, file: string): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  const syntax = [...doc.errors, ...doc.warnings.filter((w) => w.code === "DUPLICATE_KEY")];
  if (syntax.length > 0) {
    return {
      ok: false,
      errors: syntax.map((e) => ({ file, ...at(e.pos[0]), path: "", message: `YAML: ${e.message.split("\n")[0]}` })),
    };
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const locate = (path: Path, key = false) => at(offsetOf(doc, path, key));
  if (typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, errors: [{ file, ...locate([]), path: "", message: "must be a mapping with sqlite and/or pm2 (a host's agent block)" }] };
  }
  if (!validateAgentConfig(data)) {
    return { ok: false, errors: sortErrors(schemaErrors(validateAgentConfig.errors ?? [], file, locate)) };
  }
  const config = data as AgentConfig;
  const problems = crossCheckAgent(config);
  if (problems.length > 0) {
    return { ok: false, errors: sortErrors(problems.map((p) => ({ file, ...locate(p.path), path: formatPath(p.path), message: p.message }))) };
  }
  return { ok: true, config };
}

/** The agent-block checks of schema/cross-checks.ts that apply to the block on its own. */
export function crossCheckAgent(config: AgentConfig): { path: Path; message: string }[] {
  const out: { path: Path; message: string }[] = [];
  const seenPath = new Map<string, number>();
  const seenLabel = new Map<string, number>();
  config.sqlite.forEach((db, i) => {
    const priorPath = seenPath.get(db.path);
    if (priorPath !== undefined) out.push({ path: ["sqlite", i, "path"], message: `database "${db.path}" is listed twice (also sqlite[${priorPath}])` });
    else seenPath.set(db.path, i);
    const label = databaseLabel(db);
    const priorLabel = seenLabel.get(label);
    if (priorLabel !== undefined && priorPath === undefined) {
      out.push({ path: ["sqlite", i], message: `database label "${label}" repeats sqlite[${priorLabel}]; give one of them a distinct name` });
    } else if (priorLabel === undefined) seenLabel.set(label, i);
    if (durationSeconds(db.integrityEvery) < 60) {
      out.push({ path: ["sqlite", i, "integrityEvery"], message: "must be at least 1m: quick_check reads the whole file" });
    }
  });
  const seenDaemon = new Map<string, number>();
  config.pm2.forEach((p, i) => {
    const key = p.pm2Home ?? p.user;
    const prior = seenDaemon.get(key);
    if (prior !== undefined) out.push({ path: ["pm2", i], message: `the same PM2 daemon is listed twice (also pm2[${prior}])` });
    else seenDaemon.set(key, i);
  });
  return out;
}

/** Offset of the node at `path` (of its key when `key`), or of the deepest ancestor that exists. */
function offsetOf(doc: Document, path: Path, key: boolean): number {
  let node: Node | null = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const [i, part] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return offset;
      const keyNode = pair.key as Node;
      if (key && i === path.length - 1) return keyNode.range?.[0] ?? offset;
      node = (pair.value as Node | null) ?? null;
      offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof part === "number") {
      const item = node.items[part] as Node | undefined;
      if (!item) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else return offset;
  }
  return offset;
}

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

function schemaErrors(raw: readonly ErrorObject[], file: string, locate: (path: Path, key?: boolean) => { line: number; col: number }): SpecError[] {
  const out: SpecError[] = [];
  const seen = new Set<string>();
  for (const e of raw) {
    let path: Path = e.instancePath === "" ? [] : e.instancePath.slice(1).split("/").map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
    let key = false;
    const parent = (e.parentSchema ?? {}) as { description?: string };
    let message: string;
    switch (e.keyword) {
      case "required":
        message = `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case "additionalProperties": {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
        path = [...path, extra];
        key = true;
        message = `unknown field "${extra}"${known.length ? ` (expected one of: ${known.join(", ")})` : ""}`;
        break;
      }
      case "type": {
        const expected = (e.params as { type: string }).type;
        const got = e.data === null ? "null" : Array.isArray(e.data) ? "a list" : typeof e.data;
        const word = expected === "object" ? "mapping" : expected === "array" ? "list" : expected;
        message = `must be ${/^[aeiou]/.test(word) ? "an" : "a"} ${word}, got ${got}`;
        break;
      }
      case "pattern":
        message = parent.description ? `must be ${parent.description} (got ${show(e.data)})` : `must match ${(e.params as { pattern: string }).pattern} (got ${show(e.data)})`;
        break;
      case "uniqueItems":
        message = `must not repeat items (items ${(e.params as { j: number }).j} and ${(e.params as { i: number }).i} are the same)`;
        break;
      default:
        message = `${e.message ?? "is invalid"}${e.data !== undefined && typeof e.data !== "object" ? ` (got ${show(e.data)})` : ""}`;
    }
    const formatted = formatPath(path);
    if (seen.has(`${formatted}\0${message}`)) continue;
    seen.add(`${formatted}\0${message}`);
    out.push({ file, ...locate(path, key), path: formatted, message });
  }
  return out;
}

const sortErrors = (errors: SpecError[]): SpecError[] => errors.sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
