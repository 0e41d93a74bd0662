// Per-file and total mutation scores of a folder from several Stryker runs, so a folder tested in
// parts (runs narrowed with --mutate, or a run stopped before its end) gets one reproducible
// score. `node mutation/merge-reports.mjs [--under DIR] [--exclude DIR] SOURCE...`, SOURCEs in
// order, a later one replacing an earlier one file by file:
//   LABEL=report.json                  a Stryker JSON report (reporters "json": every mutant with
//                                      its status, static ones "Ignored")
//   LABEL=log.mutants.jsonl@COMMIT     the in-process runner's per-mutant log (nodeTest.resultLog),
//                                      for a run stopped before Stryker wrote a report. Its ids are
//                                      Stryker's: mutants numbered file by file over the folder's
//                                      files in path order, so the files are instrumented again as
//                                      they were at COMMIT (git show) to name each id's file. The
//                                      log holds only the mutants a test ran: a file whose every
//                                      id up to its last is in the log counts as complete, and
//                                      its no-coverage and static mutants cannot be told apart
//                                      (shown as "not run", left out of its score).
// Prints a Markdown table: file, source, mutants, static (ignored), killed, timeout, survived, no
// coverage, errors, score = (killed + timeout) / (killed + timeout + survived + no coverage),
// Stryker's mutation score (errors and static mutants are not scored).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { Instrumenter } from "@stryker-mutator/instrumenter";

const args = process.argv.slice(2);
let under = "provisioning/";
const exclude = [];
const sources = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--under") under = args[++i];
  else if (args[i] === "--exclude") exclude.push(args[++i]);
  else sources.push(args[i]);
}
if (sources.length === 0) {
  console.error("usage: node mutation/merge-reports.mjs [--under DIR] [--exclude DIR] LABEL=report.json | LABEL=log.jsonl@COMMIT ...");
  process.exit(1);
}
const inScope = (file) => file.startsWith(under) && !exclude.some((d) => file.startsWith(d));

const STATUS = { Killed: "killed", Timeout: "timeout", Survived: "survived", NoCoverage: "noCoverage", Ignored: "static", RuntimeError: "errors", CompileError: "errors" };
const empty = () => ({ mutants: 0, static: 0, killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, notRun: 0 });

/** file → counts, from a Stryker JSON report. */
function fromReport(path) {
  const report = JSON.parse(readFileSync(path, "utf8"));
  const out = new Map();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    if (!inScope(file)) continue;
    const c = empty();
    for (const m of mutants) {
      const key = STATUS[m.status];
      if (key === undefined) throw new Error(`${path}: ${file} mutant ${m.id} has status ${m.status}`);
      c.mutants++;
      c[key]++;
    }
    out.set(file, c);
  }
  return out;
}

/** file → counts, from the runner's per-mutant log of a stopped run, ids named by instrumenting the files at `commit`. */
async function fromLog(path, commit) {
  const git = (...a) => execFileSync("git", a, { encoding: "utf8", maxBuffer: 64 << 20 });
  // The folder's files as Stryker found them at that commit (provisioning.stryker.mjs: every .ts
  // of the folder but rules/), in path order, as its ids run.
  const files = git("ls-tree", "-r", "--name-only", commit, "--", under)
    .split("\n")
    .filter((f) => f.endsWith(".ts") && inScope(f))
    .sort();
  const quiet = { isDebugEnabled: () => false, isTraceEnabled: () => false, debug() {}, trace() {}, info() {}, warn() {}, error() {}, fatal() {} };
  const { mutants } = await new Instrumenter(quiet).instrument(
    files.map((name) => ({ name, mutate: true, content: git("show", `${commit}:${name}`) })),
    { plugins: null, excludedMutations: [], ignorers: [] },
  );
  const fileOf = new Map(mutants.map((m) => [m.id, m.fileName]));
  const byFile = new Map(files.map((f) => [f, empty()]));
  for (const m of mutants) byFile.get(m.fileName).mutants++;
  const lastIdOf = new Map();
  for (const m of mutants) lastIdOf.set(m.fileName, Number(m.id));
  const seen = new Set();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const { id, status } = JSON.parse(line);
    const file = fileOf.get(id);
    if (file === undefined) throw new Error(`${path}: mutant ${id} is not one of ${commit}'s ${mutants.length}`);
    if (seen.has(id)) continue;
    seen.add(id);
    const key = { killed: "killed", survived: "survived", timeout: "timeout", error: "errors" }[status];
    if (key === undefined) throw new Error(`${path}: mutant ${id} has status ${status}`);
    byFile.get(file)[key]++;
  }
  // Stryker tests mutants in id order (one worker): a file is complete when a later file has a
  // logged mutant. The last file with any logged mutant and the ones after it are not.
  const maxSeen = Math.max(...[...seen].map(Number));
  const out = new Map();
  for (const [file, c] of byFile) {
    if (lastIdOf.get(file) >= maxSeen) continue;
    c.notRun = c.mutants - c.killed - c.survived - c.timeout - c.errors;
    out.set(file, c);
  }
  return out;
}

const merged = new Map();
for (const source of sources) {
  const eq = source.indexOf("=");
  const label = source.slice(0, eq);
  const spec = source.slice(eq + 1);
  const at = spec.lastIndexOf("@");
  const files = spec.endsWith(".jsonl") || at < 0 ? fromReport(spec) : await fromLog(spec.slice(0, at), spec.slice(at + 1));
  for (const [file, c] of files) merged.set(file, { source: label, ...c });
}

const pct = (c) => {
  const scored = c.killed + c.timeout + c.survived + c.noCoverage;
  return scored === 0 ? "—" : `${((100 * (c.killed + c.timeout)) / scored).toFixed(1)} %`;
};
const total = empty();
const rows = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
console.log("| file | from | mutants | static (ignored) | killed | timeout | survived | no coverage | errors | score |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const [file, c] of rows) {
  for (const k of Object.keys(total)) total[k] += c[k];
  const stat = c.notRun > 0 ? `${c.notRun} not run (static or no coverage)` : c.static;
  const noCov = c.notRun > 0 ? "?" : c.noCoverage;
  console.log(`| ${file} | ${c.source} | ${c.mutants} | ${stat} | ${c.killed} | ${c.timeout} | ${c.survived} | ${noCov} | ${c.errors} | ${c.notRun > 0 ? `${pct(c)} of run` : pct(c)} |`);
}
const notRun = total.notRun > 0 ? ` (+ ${total.notRun} not run, static or no coverage)` : "";
console.log(`| **total** (${rows.length} files) | | ${total.mutants} | ${total.static}${notRun} | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.noCoverage} | ${total.errors} | **${pct(total)}**${total.notRun > 0 ? " of run" : ""} |`);
