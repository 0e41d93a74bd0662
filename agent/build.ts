// `npm run build`: bundles the agent into two files for Node 18 (Debian 12's nodejs) and newer, no
// npm install and no native module on the host: agent/dist/vigil-agent.js, the command and the
// collections, and beside it vigil-agent-config.js, the config check (YAML with line numbers, the
// schema, the spec's checks), which the command loads only when it validates. A resident agent
// has a child process do that (agent/src/main.ts), so its heap never holds that code: 1 MiB less
// than the same code lazily inside one file, 2.5 MiB less than loaded (BENCHMARKS.md). The
// validator is generated here as ajv standalone code, so neither file carries a schema compiler.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { build } from "esbuild";
import { agentConfigJsonSchema } from "./src/agent-config-schema.ts";
import { AGENT_DIST, BUILT_BUNDLE, BUILT_CONFIG_CHECK, CONFIG_CHECK_FILE } from "./bundle-files.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** ajv standalone validator source (ESM) with the options the dev-time validator uses. */
function validatorSource(): string {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, code: { source: true, esm: true } });
  const validate = ajv.compile(agentConfigJsonSchema());
  return `${standaloneCode.default(ajv, validate)}\nexport const validateAgentConfig = validate;\n`.replace(
    /export default validate\w*;?/,
    "",
  ).replace(/^"use strict";/, "");
}

mkdirSync(AGENT_DIST, { recursive: true });
// The bundle is CommonJS (what Node 18 runs from a bare .js file on the host); inside this
// repository the root package.json says "type": "module", so dist/ gets its own marker.
writeFileSync(join(AGENT_DIST, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
const common = {
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
} as const;
await build({
  ...common,
  entryPoints: [join(here, "src", "main.ts")],
  outfile: BUILT_BUNDLE,
  banner: { js: "#!/usr/bin/env node\n// vigil-agent: built by `npm run build` (agent/build.ts); see --help." },
  plugins: [
    {
      name: "config-check-beside",
      setup(b) {
        // main.ts's import("./config.ts") becomes import("./vigil-agent-config.js"), resolved from the bundle's own folder.
        b.onResolve({ filter: /^\.\/config\.ts$/ }, () => ({ path: `./${CONFIG_CHECK_FILE}`, external: true }));
      },
    },
  ],
});
await build({
  ...common,
  entryPoints: [join(here, "src", "config.ts")],
  outfile: BUILT_CONFIG_CHECK,
  banner: { js: "// vigil-agent's config check: built by `npm run build` (agent/build.ts), loaded by vigil-agent.js." },
  plugins: [
    {
      name: "standalone-agent-config-validator",
      setup(b) {
        b.onResolve({ filter: /agent-config-validator\.ts$/ }, () => ({ path: "agent-config-validator", namespace: "vigil-generated" }));
        b.onLoad({ filter: /.*/, namespace: "vigil-generated" }, () => ({ contents: validatorSource(), loader: "js", resolveDir: here }));
      },
    },
  ],
});
console.log(`built ${BUILT_BUNDLE} and ${CONFIG_CHECK_FILE}`);
