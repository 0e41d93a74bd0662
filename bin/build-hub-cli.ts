// `npm run build` (after the agent): bundles bin/hub-cli.ts into bin/dist/hub-cli.mjs, plain
// ESM JavaScript that Node runs without tsx. npm packages stay outside the bundle (resolved from
// node_modules as usual); the modules these commands reach use no path relative to their own
// source file (import.meta.url), so they run the same from bin/dist/. bin/vigil uses the bundle
// only while it is newer than every .ts file of the repository.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
/** Where bin/vigil looks; `--outfile FILE` (inside the repository, for npm packages) elsewhere. */
const outfile = process.argv[2] === "--outfile" && process.argv[3] ? resolve(process.argv[3]) : join(here, "dist", "hub-cli.mjs");

const result = await build({
  entryPoints: [join(here, "hub-cli.ts")],
  outfile,
  write: false,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  packages: "external",
  banner: { js: "// vigil status|silence|report: built by `npm run build` (bin/build-hub-cli.ts) from bin/hub-cli.ts; do not edit." },
  logLevel: "warning",
});
// Replaced whole (rename), never rewritten in place under a `vigil status` that is starting.
mkdirSync(dirname(outfile), { recursive: true });
writeFileSync(`${outfile}.tmp`, result.outputFiles[0]!.contents);
renameSync(`${outfile}.tmp`, outfile);
console.log(`built ${outfile}`);
