// `npm run mutate [-- FOLDER...]`: StrykerJS over the pure modules, one folder at a time
// (schema, rules, provisioning, policies, agent; all by default). Not part of `npm test` or CI:
// a full run takes hours on the 2-core development machine (BENCHMARKS.md). Reports land in
// reports/mutation/<folder>.{json,html}; a re-run is incremental (only changed code and tests).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FOLDERS = ["schema", "rules", "provisioning", "policies", "agent"] as const;
const root = fileURLToPath(new URL("..", import.meta.url));

const wanted = process.argv.slice(2);
const unknown = wanted.filter((f) => !(FOLDERS as readonly string[]).includes(f));
if (unknown.length > 0) {
  console.error(`npm run mutate: unknown folder ${unknown.join(", ")} (folders: ${FOLDERS.join(", ")})`);
  process.exit(1);
}

// The provisioning tests read the bundled agent (provisioning/node/agent.ts), as npm test's pretest does.
if (!existsSync(`${root}agent/dist/vigil-agent.js`)) {
  const build = spawnSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

for (const folder of wanted.length > 0 ? wanted : FOLDERS) {
  console.log(`\n== mutation testing ${folder} (mutation/${folder}.stryker.mjs)`);
  const started = Date.now();
  const r = spawnSync(`${root}node_modules/.bin/stryker`, ["run", `mutation/${folder}.stryker.mjs`], { cwd: root, stdio: "inherit" });
  console.log(`== ${folder}: exit ${r.status}, ${Math.round((Date.now() - started) / 60_000)} min`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}
