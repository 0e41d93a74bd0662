// agent/src/ without its I/O edges (main.ts wiring, the sqlite3 CLI and PM2 RPC transports, the
// textfile writer): probes, integrity checks, metrics, config, watches. Most agent tests run the
// built bundle (agent/dist) in a child process, which Stryker neither mutates nor sees (cli, pm2,
// sqlite-cli, sqlite-node, watch: watch.test.ts runs the resident bundle on Node 18): only the
// tests that import agent/src in-process count here. agent-modules.test.ts does that for every
// module with real SQLite files, real files and sockets (its node:sqlite test needs Node >= 22.13,
// which npm run mutate uses); stats-cache.test.ts for the resident cache.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "agent",
  mutate: ["agent/src/**/*.ts", "!agent/src/main.ts", "!agent/src/sqlite-cli.ts", "!agent/src/pm2-rpc.ts", "!agent/src/textfile.ts"],
  testFiles: ["test/agent/agent-modules.test.ts", "test/agent/stats-cache.test.ts"],
  // Most mutants here are also reached outside any test (fs.watch and child-process callbacks
  // that fire between tests count as load-time coverage): on a fresh worker each they ran at
  // about 8 a minute (3 December). Switched on at run time instead, as in provisioning/.
  hybrid: "runtime",
});
