// Shared StrykerJS settings of the per-folder configs (`npm run mutate`, see run.ts).
// Each folder's config lists the test files that exercise it in-process. The runner
// (node-test-runner.mjs) loads them once and, with perTest coverage, runs for each mutant only
// the tests that reach it, cheapest first. Code a test reaches only through a child process (the
// CLI, the Pulumi CLI) is not seen as covered, so files that only spawn are left out.
import { resolve } from "node:path";

/** @param {{ name: string, mutate: string[], testFiles: string[], skipTests?: string[], inOrder?: string[], hybrid?: "runtime" | "reload", timeoutMS?: number }} folder */
export function folderConfig({ name, mutate, testFiles, skipTests = [], inOrder = [], hybrid = "reload", timeoutMS = 60_000 }) {
  return {
    $schema: "../node_modules/@stryker-mutator/core/schema/stryker-schema.json",
    packageManager: "npm",
    // In-process node:test runner (mutation/node-test-runner.mjs): test files load once per worker.
    testRunner: "vigil-node-test",
    plugins: ["@stryker-mutator/*", "./mutation/node-test-runner.mjs"],
    testRunnerNodeArgs: ["--import", "tsx"],
    nodeTest: { testFiles, skipTests, inOrder, hybrid, resultLog: resolve(`reports/mutation/${name}.mutants.jsonl`) },
    coverageAnalysis: "perTest",
    // Mutants in code run only while loading (module-level constants, TypeBox declarations) would
    // each need a fresh worker loading every test file (10-20 s each, 685 in schema/): reported as
    // "Ignored", not scored, unless VIGIL_MUTATE_STATIC=1 (then they run too; an incremental run
    // tests only them). Mutants reached both while loading and by tests still run, on a fresh
    // worker, with the tests that reach them.
    ignoreStatic: process.env.VIGIL_MUTATE_STATIC !== "1",
    mutate,
    // One test process at a time: the machine is shared and has 2 cores.
    concurrency: 1,
    // Generous: a loaded machine makes a slow test look like an infinite loop (a timeout counts as
    // killed, so a short one would inflate the score). Real infinite loops mostly end earlier, at
    // Stryker's hit limit.
    timeoutMS,
    timeoutFactor: 2,
    // Runs resume from the previous report: unchanged mutants and tests are not run again.
    incremental: true,
    incrementalFile: `reports/mutation/${name}.incremental.json`,
    reporters: ["clear-text", "progress-append-only", "json", "html"],
    jsonReporter: { fileName: `reports/mutation/${name}.json` },
    htmlReporter: { fileName: `reports/mutation/${name}.html` },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: true },
    tempDirName: ".stryker-tmp",
    // No type checker runs (tsx strips types). Stryker's default would also prefix
    // "// @ts-nocheck" to agent/dist/vigil-agent.js in the sandbox, changing the bundle's sha256
    // that the golden plan.json files hold.
    disableTypeChecks: false,
    cleanTempDir: "always",
    ignorePatterns: ["reports", "bench", "docs", ".ci", "*.log"],
    thresholds: { high: 85, low: 70, break: null },
  };
}
