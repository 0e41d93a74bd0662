// A StrykerJS test runner for vigil's node:test files that loads them ONCE per worker process and
// runs their test functions again for each mutant (mutant schemata switch at run time). The tap
// runner starts one `node --import tsx` process per test file per mutant: 3-20 s each on the shared
// 2-core machine, hours per folder. Here a mutant costs what its covering tests cost in-process.
//
// - node:test is replaced by mutation/node-test-shim.mjs (module.registerHooks, Node >= 22.15) so
//   test() only records; the runner runs the recorded functions with before/after hooks.
// - Coverage is per TEST (file > name), so a mutant runs only the tests that reach it, cheapest
//   first; code reached while loading (module top level) is "static" and Stryker restarts this
//   worker for such mutants (capabilities: no in-process reload), so they run on fresh modules.
// - Child processes a test starts inherit the active mutant (__STRYKER_ACTIVE_MUTANT__), but
//   what they run is not seen as coverage: a test is picked for a mutant by its in-process reach.
// - A module-level cache left wrong by one mutant could fail the tests of the next ones, and a
//   test run without the earlier tests it relies on could fail by itself (false kills). After
//   every failing run the same tests run again with no mutant: if they still fail, the worker
//   exits and Stryker retries the mutant in a fresh one (after two retries: an error, not scored).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { declareClassPlugin, PluginKind, commonTokens } from "@stryker-mutator/api/plugin";
import { DryRunStatus, TestStatus, determineHitLimitReached, toMutantRunResult } from "@stryker-mutator/api/test-runner";

const SHIM_URL = new URL("./node-test-shim.mjs", import.meta.url).href;
const registry = (globalThis.__vigilNodeTest ??= { loading: undefined });

// Dry-run times, kept in the sandbox for the workers Stryker starts later (static mutants, retries).
const TIMES_FILE = ".vigil-node-test-times.json";

const ns = () => (globalThis.__stryker__ ??= {});

class SkipSignal extends Error {}

/** A suite's path from its file (the root suite is named after the file). */
const suiteKey = (suite) => {
  const names = [];
  for (let s = suite; s; s = s.parent) names.unshift(s.name);
  return `hooks:${names.join(" > ")}`;
};

class NodeTestRunner {
  static inject = [commonTokens.options, commonTokens.logger];
  /** @type {{ file: string, id: string, name: string, fn: Function, options: object, suites: object[] }[] | undefined} */
  tests;
  /** Dry-run time per test id: mutants run their covering tests cheapest first. */
  timeSpent = new Map();
  /** Dry-run time of each suite's before hooks (key "hooks:" + suite path), paid again by every
   * mutant run that enters the suite: e.g. the CrossGuard agreement suite starts the policy pack's
   * analyzer process (a node process loading @pulumi/pulumi and @pulumi/policy, 1-3 s) in before(). */
  hookTime = new Map();

  constructor(options, log) {
    this.log = log;
    this.testFiles = options.nodeTest?.testFiles ?? [];
    /** Tests left out of the mutation run (an id containing one of these): too slow to repeat per mutant. */
    this.skipTests = options.nodeTest?.skipTests ?? [];
    /** Test files whose tests depend on the earlier ones: run in their own order (orderedUnits). */
    this.inOrder = options.nodeTest?.inOrder ?? [];
    /**
     * "runtime": a mutant reached both while the test files load and by tests ("hybrid") is
     * switched on at run time like any other, instead of on a fresh worker that loads every test
     * file with it active (Stryker runs those last, one worker start each: 10-15 s per mutant in
     * provisioning/, whose test files plan hosts at their top level). Its load-time effect (values
     * a test file computed at import) is then not tested: a survivor may be a mutant only the
     * load-time values would show; a kill is a real kill. "reload" (the default) keeps Stryker's way.
     */
    this.hybrid = options.nodeTest?.hybrid ?? "reload";
    /** Where each mutant's outcome is appended as it finishes (JSON lines): a stopped run keeps them. */
    this.resultLog = options.nodeTest?.resultLog;
    if (this.testFiles.length === 0) throw new Error("node-test runner: set nodeTest.testFiles in the Stryker config");
  }

  capabilities() {
    return { reloadEnvironment: false };
  }

  async init() {
    // reports/mutation/ does not exist in a fresh clone before Stryker's reporters write at the end.
    if (this.resultLog) mkdirSync(dirname(this.resultLog), { recursive: true });
    if (existsSync(TIMES_FILE)) {
      const saved = JSON.parse(readFileSync(TIMES_FILE, "utf8"));
      this.timeSpent = new Map(Object.entries(saved.tests ?? {}));
      this.hookTime = new Map(Object.entries(saved.hooks ?? {}));
    }
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier === "node:test" || specifier === "test") return { url: SHIM_URL, shortCircuit: true };
        return next(specifier, context);
      },
    });
  }

  /** Imports every test file once, recording its tests (code run here is Stryker's "static" coverage). */
  async load() {
    if (this.tests) return;
    /** The mutant active while the modules loaded (a fresh worker's first run), if any. */
    this.loadedWith = ns().activeMutant;
    const tests = [];
    for (const file of this.testFiles) {
      const root = { kind: "suite", name: file, options: {}, children: [], before: [], after: [], beforeEach: [], afterEach: [], parent: undefined };
      registry.loading = root;
      try {
        await import(pathToFileURL(isAbsolute(file) ? file : resolve(file)).href);
      } finally {
        registry.loading = undefined;
      }
      const seen = new Map();
      const walk = (node, suites, prefix) => {
        for (const child of node.children) {
          const name = prefix ? `${prefix} > ${child.name}` : child.name;
          if (child.kind === "suite") walk(child, [...suites, child], name);
          else {
            const n = (seen.get(name) ?? 0) + 1;
            seen.set(name, n);
            tests.push({ file, id: `${file} > ${name}${n > 1 ? ` #${n}` : ""}`, name, fn: child.fn, options: child.options, suites });
          }
        }
      };
      walk(root, [root], "");
    }
    this.tests = tests.filter((t) => !this.skipTests.some((s) => t.id.includes(s)));
  }

  async dryRun(options) {
    const n = ns();
    n.activeMutant = undefined;
    n.currentTestId = undefined;
    n.mutantCoverage ??= { static: {}, perTest: {} };
    await this.load();
    const results = await this.runTests(this.tests, { bail: false, coverage: true });
    if (results.error) return { status: DryRunStatus.Error, errorMessage: results.error };
    for (const r of results.tests) this.timeSpent.set(r.id, r.timeSpentMs);
    writeFileSync(TIMES_FILE, JSON.stringify({ tests: Object.fromEntries(this.timeSpent), hooks: Object.fromEntries(this.hookTime) }));
    const perTest = structuredClone(n.mutantCoverage.perTest);
    const staticCoverage = { ...n.mutantCoverage.static };
    if (this.hybrid === "runtime") {
      const reachedByTests = new Set(Object.values(perTest).flatMap((hits) => Object.keys(hits)));
      for (const id of Object.keys(staticCoverage)) if (reachedByTests.has(id)) delete staticCoverage[id];
    }
    const mutantCoverage = options.coverageAnalysis === "off" ? undefined : { static: staticCoverage, perTest };
    return { status: DryRunStatus.Complete, tests: results.tests, mutantCoverage };
  }

  async mutantRun(options) {
    const n = ns();
    const id = options.activeMutant.id;
    // A fresh worker (after a static mutant, or a spoiled environment) loads the modules with the
    // mutant already active, so its module-level part is mutated too.
    n.activeMutant = id;
    // Processes a test starts (the vigil CLI, the bundled agent) run the sandbox's code too: the
    // instrumented modules there read the active mutant from this variable.
    process.env.__STRYKER_ACTIVE_MUTANT__ = id;
    await this.load();
    n.currentTestId = undefined;
    const filter = options.testFilter ? new Set(options.testFilter) : undefined;
    // Cheapest first, a test's cost counting its suites' before hooks: a suite that starts a
    // process is entered only when the cheaper tests have not killed the mutant. The order changes
    // which test kills a mutant, never whether one does (a survivor runs every covering test).
    const cost = (t) => (this.timeSpent.get(t.id) ?? 0) + t.suites.reduce((sum, s) => sum + (this.hookTime.get(suiteKey(s)) ?? 0), 0);
    const selected = this.orderedUnits(this.tests.filter((t) => !filter || filter.has(t.id)), cost);
    n.hitCount = options.hitLimit === undefined ? undefined : 0;
    n.hitLimit = options.hitLimit;
    let results;
    try {
      results = await this.runTests(selected, { bail: !options.disableBail, coverage: false });
    } finally {
      n.activeMutant = undefined;
      delete process.env.__STRYKER_ACTIVE_MUTANT__;
    }
    const hitLimit = determineHitLimitReached(n.hitCount, n.hitLimit);
    n.hitCount = undefined;
    n.hitLimit = undefined;
    if (hitLimit) return this.logged(id, toMutantRunResult(hitLimit));
    if (results.error) return this.logged(id, toMutantRunResult({ status: DryRunStatus.Error, errorMessage: results.error }));
    const failed = results.tests.filter((t) => t.status === TestStatus.Failed);
    // Modules loaded with this mutant active stay mutated: nothing to recheck (Stryker starts a
    // fresh worker after a static mutant).
    if (failed.length > 0 && this.loadedWith !== id) {
      // The same tests in the same order up to the failure: a test may rely on the state an earlier one left.
      const upTo = selected.slice(0, selected.findIndex((t) => t.id === failed[0].id) + 1);
      const recheck = await this.runTests(upTo, { bail: false, coverage: false });
      const stillFailing = recheck.error ?? recheck.tests.find((t) => t.status === TestStatus.Failed)?.id;
      if (stillFailing) {
        this.log.warn(`mutant ${id}: ${stillFailing} fails with no mutant active afterwards; restarting the worker so Stryker retries the mutant on fresh modules`);
        process.exit(3);
      }
    }
    return this.logged(id, toMutantRunResult({ status: DryRunStatus.Complete, tests: results.tests }));
  }

  logged(id, result) {
    if (this.resultLog) {
      const line = { id, status: result.status, killedBy: result.killedBy, testsRun: result.nrOfTests, at: new Date().toISOString() };
      appendFileSync(this.resultLog, `${JSON.stringify(line)}\n`);
    }
    return result;
  }

  /**
   * The tests to run, cheapest first. A file listed in nodeTest.inOrder is a sequence whose tests
   * build on the state the earlier ones left (e.g. the step script's host directory): when any of
   * its tests is selected, its tests from the first up to the last selected one run as one block,
   * in the order the file declares them, placed by the block's total cost.
   */
  orderedUnits(tests, cost) {
    const units = [];
    const blocks = new Map();
    for (const t of tests) {
      if (!this.inOrder.includes(t.file)) units.push({ tests: [t], cost: cost(t) });
      else blocks.set(t.file, Math.max(blocks.get(t.file) ?? -1, this.tests.indexOf(t)));
    }
    for (const [file, last] of blocks) {
      const block = this.tests.slice(0, last + 1).filter((t) => t.file === file);
      units.push({ tests: block, cost: block.reduce((sum, t) => sum + cost(t), 0) });
    }
    return units.sort((a, b) => a.cost - b.cost).flatMap((u) => u.tests);
  }

  /** Runs tests in order with their suites' hooks; bail stops at the first failure. */
  async runTests(tests, { bail, coverage }) {
    const n = ns();
    const out = [];
    const entered = []; // suites whose before hooks ran, outermost first
    const leave = async (keep) => {
      while (entered.length > keep) {
        const suite = entered.pop();
        for (const hook of suite.after) await hook();
      }
    };
    const failure = (err) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    try {
      for (const t of tests) {
        let common = 0;
        while (common < entered.length && entered[common] === t.suites[common]) common++;
        await leave(common);
        for (const suite of t.suites.slice(common)) {
          entered.push(suite);
          const hooksStarted = performance.now();
          for (const hook of suite.before) await hook();
          if (coverage && suite.before.length > 0) this.hookTime.set(suiteKey(suite), Math.round(performance.now() - hooksStarted));
        }
        const started = performance.now();
        if (coverage) n.currentTestId = t.id;
        let status = TestStatus.Success;
        let failureMessage;
        const afters = [];
        const context = {
          name: t.name,
          signal: new AbortController().signal,
          diagnostic() {},
          plan() {},
          after: (fn) => void afters.push(fn),
          skip() {
            throw new SkipSignal();
          },
          todo() {
            throw new SkipSignal();
          },
          test: async (...args) => {
            const fn = args.find((a) => typeof a === "function");
            const sub = { ...context, name: typeof args[0] === "string" ? args[0] : "<subtest>" };
            await fn?.(sub);
          },
        };
        try {
          if (t.options?.skip || t.options?.todo || !t.fn) throw new SkipSignal();
          for (const suite of t.suites) for (const hook of suite.beforeEach) await hook(context);
          try {
            await t.fn(context);
          } finally {
            for (const fn of afters.reverse()) await fn();
            for (const suite of [...t.suites].reverse()) for (const hook of suite.afterEach) await hook(context);
          }
        } catch (err) {
          if (err instanceof SkipSignal) status = TestStatus.Skipped;
          else {
            status = TestStatus.Failed;
            failureMessage = failure(err);
          }
        } finally {
          n.currentTestId = undefined;
        }
        const timeSpentMs = Math.round(performance.now() - started);
        out.push({ id: t.id, name: t.id, fileName: t.file, timeSpentMs, status, ...(failureMessage ? { failureMessage } : {}) });
        if (bail && status === TestStatus.Failed) break;
      }
      await leave(0);
    } catch (err) {
      // A before/after hook failed: the whole run is in error (not a kill).
      await leave(0).catch(() => {});
      return { tests: out, error: `hook failed: ${failure(err)}` };
    }
    return { tests: out };
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.TestRunner, "vigil-node-test", NodeTestRunner)];

export const strykerValidationSchema = {
  $schema: "http://json-schema.org/draft-07/schema",
  type: "object",
  properties: {
    nodeTest: {
      type: "object",
      properties: {
        testFiles: { type: "array", items: { type: "string" } },
        skipTests: { type: "array", items: { type: "string" } },
        inOrder: { type: "array", items: { type: "string" } },
        hybrid: { enum: ["runtime", "reload"] },
        resultLog: { type: "string" },
      },
      additionalProperties: false,
    },
  },
};
