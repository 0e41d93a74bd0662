// `npm run build`: bundles the agent into ONE file, agent/dist/vigil-agent.js, for Node 18
// (Debian 12's nodejs) and newer: no npm install, no native module on the host. The config
// validator is generated here as ajv standalone code, so the bundle carries no schema compiler.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { build } from "esbuild";
import { agentConfigJsonSchema } from "./src/agent-config-schema.ts";

const here = dirname(fileURLToPath(import.meta.url));
export const BUNDLE = join(here, "dist", "vigil-agent.js");

/** ajv standalone validator source (ESM) with the options the dev-time validator uses. */
function validatorSource(): string {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, code: { source: true, esm: true } });
  const validate = ajv.compile(agentConfigJsonSchema());
  return `${standaloneCode.default(ajv, validate)}\nexport const validateAgentConfig = validate;\n`.replace(
    /export default validate\w*;?/,
    "",
  ).replace(/^"use strict";/, "");
}

mkdirSync(dirname(BUNDLE), { recursive: true });
// The bundle is CommonJS (what Node 18 runs from a bare .js file on the host); inside this
// repository the root package.json says "type": "module", so dist/ gets its own marker.
writeFileSync(join(dirname(BUNDLE), "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
await build({
  entryPoints: [join(here, "src", "main.ts")],
  outfile: BUNDLE,
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  minify: true,
  legalComments: "none",
  banner: { js: "#!/usr/bin/env node\n// vigil-agent: built by `npm run build` (agent/build.ts); see --help." },
  plugins: [
    {
      name: "standalone-agent-config-validator",
      setup(b) {
        b.onResolve({ filter: /agent-config-validator\.ts$/ }, () => ({ path: "agent-config-validator", namespace: "vigil-generated" }));
        b.onLoad({ filter: /.*/, namespace: "vigil-generated" }, () => ({ contents: validatorSource(), loader: "js", resolveDir: here }));
      },
    },
  ],
  logLevel: "warning",
});
console.log(`built ${BUNDLE}`);
