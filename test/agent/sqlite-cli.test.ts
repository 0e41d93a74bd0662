// The SQLite scenarios with Debian's sqlite3 CLI, the bundle run by Node 18.20.4: what a Debian
// 12 host without a newer Node runs.
import { NODE18, requireNode } from "./helpers.ts";
import { sqliteSuite } from "./sqlite-cases.ts";

sqliteSuite({ sqlite: "cli", node: requireNode(NODE18) });
