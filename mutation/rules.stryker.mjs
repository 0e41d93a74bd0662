// provisioning/rules/: the Prometheus rule families (host, agent, uptime, slo, watchdog, custom)
// and the rule-file model. Tests: the rule-model unit tests, the promtool boundary cases, the SLO
// properties and the golden renders (the only check of every summary and description text: a
// changed alert text is a reviewed golden diff). promtool-rules.test.ts and custom-rules.test.ts are left out: their multi-day
// SLO cases and CLI runs take minutes, too long to repeat for each surviving mutant.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "rules",
  mutate: ["provisioning/rules/**/*.ts"],
  testFiles: ["test/hub-role/rule-model.test.ts", "test/hub-role/rule-boundaries.test.ts", "test/hub-role/slo-properties.test.ts", "test/render/render-golden.test.ts"],
  timeoutMS: 300_000,
});
