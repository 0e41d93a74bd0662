// `npm run mutate [-- FOLDER... [STRYKER OPTION...]]`: StrykerJS over the pure modules, one folder at a time
// (schema, rules, provisioning, policies, agent; all by default). Not part of `npm test` or CI
// (times per folder in BENCHMARKS.md). Reports land in reports/mutation/<folder>.{json,html}
// (gitignored); a re-run is incremental (only mutants of changed code or tests run again).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FOLDERS = ["schema", "rules", "provisioning", "policies", "agent"] as const;
const root = fileURLToPath(new URL("..", import.meta.url));

// Folders first; anything from the first option on goes to every `stryker run`, e.g. a quick run
// of one file: `npm run mutate -- schema --mutate schema/durations.ts`.
const args = process.argv.slice(2);
const firstOption = args.findIndex((a) => a.startsWith("-"));
const wanted = firstOption < 0 ? args : args.slice(0, firstOption);
const strykerArgs = firstOption < 0 ? [] : args.slice(firstOption);
const unknown = wanted.filter((f) => !(FOLDERS as readonly string[]).includes(f));
if (unknown.length > 0) {
  console.error(`npm run mutate: unknown folder ${unknown.join(", ")} (folders: ${FOLDERS.join(", ")})`);
  process.exit(1);
}

// The runner (mutation/node-test-runner.mjs) swaps node:test through module.registerHooks: Node
// >= 22.15. The Node 22 that test/agent/fetch-node.sh puts in .cache/ does, as in .ci/run.
const [major, minor] = process.versions.node.split(".").map(Number) as [number, number];
const env = { ...process.env };
if (major < 22 || (major === 22 && minor < 15)) {
  const node22 = `${root}.cache/node22/bin`;
  if (!existsSync(`${node22}/node`)) {
    const fetch = spawnSync("sh", ["test/agent/fetch-node.sh"], { cwd: root, stdio: "inherit" });
    if (fetch.status !== 0) {
      console.error(`npm run mutate: needs Node >= 22.15 (this is ${process.version}); test/agent/fetch-node.sh could not fetch one`);
      process.exit(1);
    }
  }
  env.PATH = `${node22}:${env.PATH}`;
}

// The provisioning tests and the golden renders read the bundled agent (provisioning/node/agent.ts):
// built from the current source every time, as npm test's pretest does (a stale bundle fails them).
const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit", env });
if (build.status !== 0) process.exit(build.status ?? 1);

for (const folder of wanted.length > 0 ? wanted : FOLDERS) {
  console.log(`\n== mutation testing ${folder} (mutation/${folder}.stryker.mjs)`);
  const started = Date.now();
  const r = spawnSync(`${root}node_modules/.bin/stryker`, ["run", `mutation/${folder}.stryker.mjs`, ...strykerArgs], { cwd: root, stdio: "inherit", env });
  console.log(`== ${folder}: exit ${r.status}, ${Math.round((Date.now() - started) / 60_000)} min`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
