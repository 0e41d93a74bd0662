// provisioning/ outside rules/: plan model, step script, role composition, one module per
// installed piece. Tests: the plan, node-role and hub-role tests that run in-process (several
// check the rendered files with the real tools), and the step-script harness (real bash as root
// in a private mount namespace).
import { folderConfig } from "./base.mjs";

export default folderConfig({
  name: "provisioning",
  mutate: ["provisioning/**/*.ts", "!provisioning/rules/**"],
  testFiles: [
    "test/provisioning/service-ports.test.ts",
    "test/provisioning/fixed-point.test.ts",
    "test/provisioning/address-dependence.test.ts",
    "test/provisioning/debian-service.test.ts",
    "test/provisioning/apt.test.ts",
    "test/provisioning/step-script.test.ts",
    "test/node-role/node-role.test.ts",
    "test/node-role/watched-services.test.ts",
    "test/node-role/fail2ban.test.ts",
    "test/node-role/crowdsec.test.ts",
    "test/node-role/netdata.test.ts",
    "test/node-role/node-exporter.test.ts",
    "test/hub-role/hub-configs.test.ts",
    "test/hub-role/alert-routes.test.ts",
    "test/hub-role/scrape-targets.test.ts",
    "test/render/render-golden.test.ts",
  ],
  timeoutMS: 300_000,
});
