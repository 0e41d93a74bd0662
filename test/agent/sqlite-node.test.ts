// The SQLite scenarios with Node's own node:sqlite, the bundle run by Node 22.23.3 from the npm
// registry (test/agent/fetch-node.sh puts it in .cache/node22; .ci/run calls it).
import { NODE22, requireNode } from "./helpers.ts";
import { sqliteSuite } from "./sqlite-cases.ts";

sqliteSuite({ sqlite: "node", node: requireNode(NODE22) });
