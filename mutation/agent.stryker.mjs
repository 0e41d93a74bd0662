// agent/src/ without its I/O edges (main.ts wiring, the sqlite3 CLI and PM2 RPC transports, the
// textfile writer): probes, integrity checks, metrics and config. Most agent tests run the built
// bundle (agent/dist) in a child process, which Stryker neither mutates nor sees: only the tests
// that import agent/src in-process count here, so much of the folder shows as "no coverage".
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "agent",
  mutate: ["agent/src/**/*.ts", "!agent/src/main.ts", "!agent/src/sqlite-cli.ts", "!agent/src/pm2-rpc.ts", "!agent/src/textfile.ts"],
  testFiles: ["test/agent/agent-modules.test.ts", "test/agent/stats-cache.test.ts", "test/agent/watch.test.ts"],
});
