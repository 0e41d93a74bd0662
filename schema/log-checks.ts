// Checks of `hosts[].logs` (log-derived metrics, provisioning/node/mtail.ts) the JSON Schema cannot
// express: one kind of source each, unique names, and every regex valid RE2 as mtail reads it
// (re2.ts: mtail on Debian 12 is built with Go 1.19, whose regexp is RE2; `mtail --compile_only`
// in the apply step stays the final word).
// Called next to crossCheck (load-spec.ts), not inside it: cross-checks.ts is bundled into the
// agent, which has no use for an RE2 parser.
import { re2Error } from "./re2.ts";
import type { Problem } from "./cross-checks.ts";
import type { Spec } from "./spec-schema.ts";

/** The count every pm2 source has (node/mtail.ts ERROR_PATTERN): a spec count may not reuse it there. */
const PM2_ERROR_COUNT = "error";

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
        const problem = re2Error(count.regex, "mtail");
        if (problem) out.push({ path: [...cat, "regex"], message: `${problem.message} (character ${problem.offset + 1})`, offset: problem.offset });
      });
    });
  });
  return out;
}
