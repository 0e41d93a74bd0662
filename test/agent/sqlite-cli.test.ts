// The SQLite scenarios with Debian's sqlite3 CLI: the backend of Debian 12's Node 18.
import { sqliteSuite } from "./sqlite-cases.ts";

sqliteSuite({ sqlite: "cli" });
