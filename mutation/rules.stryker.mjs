// provisioning/rules/: the Prometheus rule families (host, agent, uptime, slo, watchdog) and the
// rule-file model. Tests: the pure rule-model unit tests first (fast, most kills), then the
// promtool boundary cases. promtool-rules.test.ts is left out: its multi-day SLO cases take
// minutes per run, too long to repeat per mutant on the shared machine.
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "rules",
  mutate: ["provisioning/rules/**/*.ts"],
  testFiles: ["test/hub-role/rule-model.test.ts", "test/hub-role/rule-boundaries.test.ts"],
  timeoutMS: 300_000,
});
