// The SQLite scenarios with Node's own node:sqlite, run by a Node 22 binary from the npm
// registry (test/agent/fetch-node22.sh puts it in .cache/node22; .ci/run calls it).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers.ts";
import { sqliteSuite } from "./sqlite-cases.ts";

const NODE22 = join(ROOT, ".cache", "node22", "bin", "node");
if (!existsSync(NODE22)) throw new Error(`${NODE22} is missing: run test/agent/fetch-node22.sh`);

sqliteSuite({ sqlite: "node", node: NODE22 });
