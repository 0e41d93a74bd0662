// schema/: the TypeBox spec schema, the YAML locator, cross-field checks, durations, errors.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "schema",
  mutate: ["schema/**/*.ts", "!schema/write-json-schema.ts"],
  testFiles: [
    "test/spec/helpers.test.ts",
    "test/spec/json-schema.test.ts",
    "test/spec/validate-errors.test.ts",
    "test/spec/spec-properties.test.ts",
  ],
});
