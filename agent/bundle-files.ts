// The agent's two files: what `npm run build` writes (agent/build.ts), what vigil installs
// (provisioning/node/agent.ts) and what the tests run, by one pair of names. The bundle loads
// the config check from its own folder by this name, so the names travel together.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The command and the collections. */
export const BUNDLE_FILE = "vigil-agent.js";
/** The config check, loaded by the bundle with import("./vigil-agent-config.js") when it validates. */
export const CONFIG_CHECK_FILE = "vigil-agent-config.js";
/** Where `npm run build` writes both. */
export const AGENT_DIST = join(dirname(fileURLToPath(import.meta.url)), "dist");
/** The built command, which vigil installs and the tests run. */
export const BUILT_BUNDLE = join(AGENT_DIST, BUNDLE_FILE);
/** The built config check, beside it. */
export const BUILT_CONFIG_CHECK = join(AGENT_DIST, CONFIG_CHECK_FILE);
