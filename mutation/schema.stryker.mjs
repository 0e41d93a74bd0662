// schema/: the TypeBox spec schema, the YAML locator, cross-field checks, durations, errors.
// Tests: every spec test that validates in-process (cli-validate.test.ts only spawns the CLI,
// whose coverage Stryker cannot see; hostile and account-checks spawn it for some cases only),
// and the in-process tests of what a spec drives (Pulumi cloud alerts, rules, node role).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "schema",
  // Not mutated: write-json-schema.ts (the `npm run schema` script: file writes only) and the
  // generated ajv validator, spec-validator.generated.ts (8,300 lines ajv writes from
  // vigil.schema.json; mutating generated code tests ajv's code generator, not vigil: its source,
  // spec-schema.ts, is mutated, and json-schema.test.ts fails when the generated file is stale).
  mutate: ["schema/**/*.ts", "!schema/write-json-schema.ts", "!schema/spec-validator.generated.ts"],
  testFiles: [
    "test/spec/helpers.test.ts",
    "test/spec/validate-errors.test.ts",
    "test/spec/cross-checks.test.ts",
    "test/spec/locate.test.ts",
    "test/spec/value-formats.test.ts",
    "test/spec/promql.test.ts",
    "test/spec/spec-files.test.ts",
    "test/spec/log-checks.test.ts",
    "test/spec/re2.test.ts",
    "test/spec/unicode.test.ts",
    "test/spec/alert-routing.test.ts",
    "test/spec/closed-schema.test.ts",
    "test/spec/ip-ranges.test.ts",
    "test/spec/prom-template.test.ts",
    "test/spec/json-schema.test.ts",
    "test/spec/hostile.test.ts",
    "test/spec/account-checks.test.ts",
    "test/spec/spec-properties.test.ts",
    // Specs with alert routes, rules and hosts validated on the way to what they drive.
    "test/pulumi/cloud-alerts.test.ts",
    "test/hub-role/rule-model.test.ts",
    "test/node-role/node-role.test.ts",
    // Field checks tested beside what the field drives (the tests that run promtool, mtail,
    // crowdsec or a host step are skipped below).
    "test/hub-role/remote-write.test.ts",
    "test/node-role/mtail.test.ts",
    "test/node-role/netdata-stream.test.ts",
    "test/node-role/crowdsec-fleet.test.ts",
  ],
  // 6-9 s each at the machine's usual load, run again for every mutant they reach that survives
  // the cheaper tests: the CLI runs (the located errors they check are validate-errors' in-process
  // cases), the fast-check properties over the whole loader, and bash -n over every step.
  skipTests: [
    "test/spec/hostile.test.ts > vigil validate exits 1",
    "test/spec/account-checks.test.ts > vigil validate of the example stacks",
    "test/spec/account-checks.test.ts > overlapping VPC ranges across two files",
    "test/spec/account-checks.test.ts > a clashing project name",
    // (their located lines are checked in-process by "in-process, exactly as vigil validate prints them")
    "test/spec/spec-properties.test.ts > structural mutations",
    "test/spec/spec-properties.test.ts > text mutations",
    "test/spec/spec-properties.test.ts > a mutated but still valid spec",
    "test/node-role/node-role.test.ts > every step has a probe",
    "test/hub-role/remote-write.test.ts > remote_write: one entry per store",
    "test/hub-role/remote-write.test.ts > hostile but legal values stay data",
    "test/node-role/mtail.test.ts > the program compiles with the real mtail",
    "test/node-role/mtail.test.ts > real mtail counts",
    "test/node-role/netdata-stream.test.ts > on the host",
    "test/node-role/crowdsec-fleet.test.ts > crowdsec -t accepts",
    "test/node-role/crowdsec-fleet.test.ts > the hub registers every node",
    "test/node-role/crowdsec-fleet.test.ts > a node's agent and bouncer log in",
  ],
});
