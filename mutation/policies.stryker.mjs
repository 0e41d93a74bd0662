// policies/: the CrossGuard pack and vigil check's in-process evaluation. Tests: the policy and
// policy-config unit tests, and the CrossGuard agreement test (its analyzer runs the pack in a
// child process, unseen; vigil's own evaluation of the same specs runs in-process).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "policies",
  mutate: ["policies/**/*.ts", "!policies/index.ts"],
  testFiles: [
    "test/policies/policy-modules.test.ts",
    "test/policies/policy-config.test.ts",
    "test/policies/policies.test.ts",
    "test/policies/crossguard-agreement.test.ts",
  ],
});
