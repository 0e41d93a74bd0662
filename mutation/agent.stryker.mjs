// agent/src/ without its I/O edges (main.ts wiring, the sqlite3 CLI and PM2 RPC transports, the
// textfile writer): probes, integrity checks, metrics and config.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "agent",
  mutate: ["agent/src/**/*.ts", "!agent/src/main.ts", "!agent/src/sqlite-cli.ts", "!agent/src/pm2-rpc.ts", "!agent/src/textfile.ts"],
  testFiles: ["test/agent/sqlite-node.test.ts"],
});
