// provisioning/rules/: the Prometheus rule families (host, agent, uptime, slo, watchdog) and the
// rule-file model. Tests: the pure rule-model unit tests first (fast, most kills), then the
// promtool boundary and alert cases.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "rules",
  mutate: ["provisioning/rules/**/*.ts"],
  testFiles: ["test/hub-role/rule-model.test.ts", "test/hub-role/rule-boundaries.test.ts", "test/hub-role/promtool-rules.test.ts"],
  timeoutMS: 300_000,
});
