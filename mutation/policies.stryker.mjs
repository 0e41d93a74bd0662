// policies/: the CrossGuard pack and vigil check's in-process evaluation. Tests: the policy and
// policy-config unit tests (the CrossGuard agreement test runs the pack in a child process).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "policies",
  mutate: ["policies/**/*.ts", "!policies/index.ts"],
  testFiles: ["test/policies/policy-config.test.ts", "test/policies/policies.test.ts"],
});
