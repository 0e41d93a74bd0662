// Checks of `hosts[].logs` (log-derived metrics, provisioning/node/mtail.ts) the JSON Schema cannot
// express: one kind of source each, unique names, and every regex valid RE2 as mtail reads it.
// Called next to crossCheck (load-spec.ts), not inside it: cross-checks.ts is bundled into the
// agent, which has no use for an RE2 parser.
//
// mtail (Debian 12: 3.0.0~rc50, built with Go 1.19) compiles regexes with Go's regexp: RE2 syntax.
// re2js, a port of RE2, parses the same syntax, so a bad regex is refused here with its position;
// the apply step's `mtail --compile_only` on the rendered program stays the final word.
import { RE2JS } from "re2js";
import type { Problem } from "./cross-checks.ts";
import type { Spec } from "./spec-schema.ts";

/** The count every pm2 source has (node/mtail.ts ERROR_PATTERN): a spec count may not reuse it there. */
const PM2_ERROR_COUNT = "error";

/** Why RE2 (as mtail's Go 1.19 reads it) refuses `regex`, and where; undefined when it compiles. */
export function re2Error(regex: string): { offset: number; message: string } | undefined {
  // Go's regexp took (?<name>...) only in Go 1.22; RE2 and re2js take it already.
  for (const m of regex.matchAll(/\(\?<?[=!]/g)) {
    if (!isEscaped(regex, m.index)) return { offset: m.index, message: "lookahead and lookbehind are not RE2: mtail cannot run them" };
  }
  for (const m of regex.matchAll(/\(\?<(?![=!])/g)) {
    if (!isEscaped(regex, m.index)) return { offset: m.index, message: "named groups are written (?P<name>...) in mtail's RE2 (Go 1.19)" };
  }
  try {
    RE2JS.compile(regex);
    return undefined;
  } catch (err) {
    const e = err as { error?: string; input?: string; message?: string };
    const at = e.error === "missing closing )" ? unclosedParen(regex) : e.input ? regex.indexOf(e.input) : -1;
    const what = e.error ?? String(e.message ?? err).replace(/^error parsing regexp: /, "");
    const where = e.input && e.input !== regex ? ` at "${e.input}"` : "";
    return { offset: at >= 0 ? at : regex.length, message: `not a valid RE2 regex: ${what}${where}` };
  }
}

/** Where the first `(` that is never closed is (escapes and character classes skipped); -1 if none. */
function unclosedParen(regex: string): number {
  const open: number[] = [];
  let inClass = false;
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i];
    if (c === "\\") i++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") {
      inClass = true;
      // RE2 reads a ] right after [ or [^ as a literal, not as the end of the class.
      if (regex[i + 1] === "^") i++;
      if (regex[i + 1] === "]") i++;
    }
    else if (c === "(") open.push(i);
    else if (c === ")") open.pop();
  }
  return open[0] ?? -1;
}

/** Whether the character at `i` follows an odd number of backslashes. */
function isEscaped(text: string, i: number): boolean {
  let n = 0;
  for (let k = i - 1; k >= 0 && text[k] === "\\"; k--) n++;
  return n % 2 === 1;
}

export function logSourceProblems(spec: Spec): Problem[] {
  const out: Problem[] = [];
  spec.hosts.forEach((host, i) => {
    const seen = new Map<string, number>();
    host.logs.forEach((log, j) => {
      const at = ["hosts", i, "logs", j];
      if (j === 0 && !host.roles.includes("node")) {
        out.push({ path: ["hosts", i, "logs"], message: "mtail runs on node hosts: add `node` to roles", key: true });
      }
      const prior = seen.get(log.name);
      if (prior !== undefined) out.push({ path: [...at, "name"], message: `duplicate log name "${log.name}" (also logs[${prior}])` });
      else seen.set(log.name, j);
      const kinds = (["files", "pm2", "journal"] as const).filter((k) => log[k] !== undefined);
      if (kinds.length === 0) out.push({ path: [...at, "name"], message: "give one of files, pm2, journal" });
      for (const extra of kinds.slice(1)) out.push({ path: [...at, extra], message: `give one of files, pm2, journal (also ${kinds[0]})`, key: true });
      if (log.count.length === 0 && !log.pm2) {
        out.push({ path: [...at, "name"], message: "count at least one pattern (count: [{ name, regex }]); only a pm2 source counts its error lines by default" });
      }
      const names = new Map<string, number>();
      log.count.forEach((count, k) => {
        const cat = [...at, "count", k];
        const first = names.get(count.name);
        if (first !== undefined) out.push({ path: [...cat, "name"], message: `duplicate count name "${count.name}" (also count[${first}])` });
        else names.set(count.name, k);
        if (log.pm2 && count.name === PM2_ERROR_COUNT) {
          out.push({ path: [...cat, "name"], message: `"${PM2_ERROR_COUNT}" is the pm2 source's own count of error-log lines; name this one differently` });
        }
        const problem = re2Error(count.regex);
        if (problem) out.push({ path: [...cat, "regex"], message: `${problem.message} (character ${problem.offset + 1})`, offset: problem.offset });
      });
    });
  });
  return out;
}
