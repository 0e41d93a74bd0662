// `npm run build` (after the agent): bundles bin/hub-cli.ts into bin/dist/hub-cli.mjs, plain
// ESM JavaScript that Node runs without tsx. npm packages stay outside the bundle (resolved from
// node_modules as usual); the modules these commands reach use no path relative to their own
// source file (import.meta.url), so they run the same from bin/dist/. bin/vigil uses the bundle
// only while it is newer than every .ts file of the repository.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const HUB_CLI_BUNDLE = join(here, "dist", "hub-cli.mjs");

await build({
  entryPoints: [join(here, "hub-cli.ts")],
  outfile: HUB_CLI_BUNDLE,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  banner: { js: "// vigil status|silence|report: built by `npm run build` (bin/build-hub-cli.ts) from bin/hub-cli.ts; do not edit." },
  logLevel: "warning",
});
console.log(`built ${HUB_CLI_BUNDLE}`);
