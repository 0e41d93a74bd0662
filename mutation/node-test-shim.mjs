// Stands in for `node:test` inside the mutation runner's worker (mutation/node-test-runner.mjs):
// test(), it(), describe(), before(), after(), beforeEach(), afterEach() only RECORD what a test
// file declares, so the runner can run the same test functions once per mutant without loading
// the modules again. The subset vigil's tests use; anything else fails loudly (never a silent pass).
const registry = (globalThis.__vigilNodeTest ??= { loading: undefined });

/** The suite being declared: the file's root suite, or a describe() block inside it. */
function currentSuite() {
  const suite = registry.loading;
  if (!suite) throw new Error("node-test-shim: test() called outside a test file's top level (not supported by npm run mutate's runner)");
  return suite;
}

function parseArgs(args) {
  const name = typeof args[0] === "string" ? args.shift() : args[0]?.name || "<anonymous>";
  const options = typeof args[0] === "object" && args[0] !== null ? args.shift() : {};
  const fn = typeof args[0] === "function" ? args[0] : undefined;
  return { name, options, fn };
}

export function test(...args) {
  const { name, options, fn } = parseArgs(args);
  currentSuite().children.push({ kind: "test", name, options, fn });
  return Promise.resolve();
}
export const it = test;

export function describe(...args) {
  const { name, options, fn } = parseArgs(args);
  const parent = currentSuite();
  const suite = { kind: "suite", name, options, children: [], before: [], after: [], beforeEach: [], afterEach: [], parent };
  parent.children.push(suite);
  registry.loading = suite;
  try {
    const out = fn?.();
    if (out && typeof out.then === "function") throw new Error(`node-test-shim: describe("${name}") with an async body is not supported`);
  } finally {
    registry.loading = parent;
  }
}
export const suite = describe;

export const before = (fn) => void currentSuite().before.push(fn);
export const after = (fn) => void currentSuite().after.push(fn);
export const beforeEach = (fn) => void currentSuite().beforeEach.push(fn);
export const afterEach = (fn) => void currentSuite().afterEach.push(fn);

function unsupported(name) {
  return () => {
    throw new Error(`node-test-shim: node:test ${name} is not supported by npm run mutate's runner`);
  };
}
export const mock = new Proxy({}, { get: (_, key) => unsupported(`mock.${String(key)}`) });
export const run = unsupported("run");
export default test;
