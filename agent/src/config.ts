// Reading the agent's config file: a host's `agent` block as YAML or JSON (JSON is YAML), checked
// against the spec's own AgentConfig schema. Every problem comes back as a located SpecError
// (`file:line:col path: message`), the format `vigil validate` uses; nothing here throws.
import { readFileSync } from "node:fs";
import { checkAgentBlock } from "../../schema/cross-checks.ts";
import { parseLocated, schemaErrors, sortErrors } from "../../schema/locate.ts";
import { formatPath, type SpecError } from "../../schema/spec-errors.ts";
import type { AgentConfig } from "../../schema/spec-schema.ts";
import { validateAgentConfig } from "./agent-config-validator.ts";

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; errors: SpecError[] };

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
  const parsed = parseLocated(text, file, "a host's agent block (sqlite and/or pm2)");
  if (!parsed.ok) return parsed;
  const { data, locate } = parsed;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { ok: false, errors: [{ file, ...locate([]), path: "", message: "must be a mapping with sqlite and/or pm2 (a host's agent block)" }] };
  }
  if (!validateAgentConfig(data)) return { ok: false, errors: schemaErrors(validateAgentConfig.errors ?? [], file, locate) };
  const config = data as AgentConfig;
  const problems = checkAgentBlock(config, []);
  if (problems.length > 0) {
    return { ok: false, errors: sortErrors(problems.map((p) => ({ file, ...locate(p.path, p.key ?? false), path: formatPath(p.path), message: p.message }))) };
  }
  return { ok: true, config };
}
