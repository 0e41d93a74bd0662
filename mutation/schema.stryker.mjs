// schema/: the TypeBox spec schema, the YAML locator, cross-field checks, durations, errors.
// Tests: the in-process spec tests (cli-validate.test.ts spawns the CLI, whose coverage Stryker
// cannot see).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "schema",
  mutate: ["schema/**/*.ts", "!schema/write-json-schema.ts"],
  // Cheapest killers first (a mutant stops at the first failing file); the fast-check properties last.
  testFiles: [
    "test/spec/helpers.test.ts",
    "test/spec/validate-errors.test.ts",
    "test/spec/json-schema.test.ts",
    "test/spec/spec-properties.test.ts",
  ],
});
