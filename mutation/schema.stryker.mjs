// schema/: the TypeBox spec schema, the YAML locator, cross-field checks, durations, errors.
// Tests: every spec test that validates in-process (cli-validate.test.ts only spawns the CLI,
// whose coverage Stryker cannot see; hostile and account-checks spawn it for some cases only).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "schema",
  mutate: ["schema/**/*.ts", "!schema/write-json-schema.ts"],
  testFiles: [
    "test/spec/helpers.test.ts",
    "test/spec/validate-errors.test.ts",
    "test/spec/closed-schema.test.ts",
    "test/spec/ip-ranges.test.ts",
    "test/spec/prom-template.test.ts",
    "test/spec/json-schema.test.ts",
    "test/spec/hostile.test.ts",
    "test/spec/account-checks.test.ts",
    "test/spec/spec-properties.test.ts",
  ],
});
