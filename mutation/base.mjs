// Shared StrykerJS settings of the per-folder configs (`npm run mutate`, see run.ts).
// Each folder's config lists only the fast, in-process tests that exercise it: the tap runner
// runs one node process per test file and, with perTest coverage, only the files that reach a
// mutant. Tests that spawn the CLI are left out (coverage inside a child process is not seen).

/** @param {{ name: string, mutate: string[], testFiles: string[], timeoutMS?: number }} folder */
export function folderConfig({ name, mutate, testFiles, timeoutMS = 60_000 }) {
  return {
    $schema: "../node_modules/@stryker-mutator/core/schema/stryker-schema.json",
    packageManager: "npm",
    testRunner: "tap",
    tap: {
      testFiles,
      // node:test files run directly (no --test: that would fork a child per file and hide coverage).
      nodeArgs: ["--import", "tsx", "--test-reporter=tap", "-r", "{{hookFile}}", "{{testFile}}"],
      forceBail: true,
    },
    coverageAnalysis: "perTest",
    // Module-level mutants (constants, top-level regexes) cannot be attributed to a test file
    // and would each run every file; they are reported as ignored, not counted in the score.
    ignoreStatic: true,
    mutate,
    // One test process at a time: the machine is shared and has 2 cores.
    concurrency: 1,
    // Generous: a loaded machine makes a slow test look like an infinite loop.
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
    cleanTempDir: "always",
    ignorePatterns: ["reports", "bench", "docs", ".ci", "*.log"],
    thresholds: { high: 85, low: 70, break: null },
  };
}
