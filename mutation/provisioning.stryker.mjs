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
    "test/provisioning/plan.test.ts",
    "test/provisioning/step-inputs.test.ts",
    "test/provisioning/render-tree.test.ts",
    "test/provisioning/fixed-point.test.ts",
    "test/provisioning/address-dependence.test.ts",
    "test/provisioning/address-contexts.test.ts",
    "test/provisioning/detection-timing.test.ts",
    "test/provisioning/debian-service.test.ts",
    "test/provisioning/apt.test.ts",
    "test/provisioning/step-script.test.ts",
    "test/node-role/node-role.test.ts",
    "test/node-role/watched-services.test.ts",
    "test/node-role/fail2ban.test.ts",
    "test/node-role/crowdsec.test.ts",
    "test/node-role/crowdsec-fleet.test.ts",
    "test/node-role/netdata.test.ts",
    "test/node-role/netdata-stream.test.ts",
    "test/node-role/node-exporter.test.ts",
    "test/node-role/heartbeats.test.ts",
    "test/node-role/mtail.test.ts",
    "test/hub-role/hub-configs.test.ts",
    "test/hub-role/blackbox.test.ts",
    "test/hub-role/maintenance-windows.test.ts",
    "test/hub-role/alert-routes.test.ts",
    "test/hub-role/scrape-targets.test.ts",
    "test/hub-role/remote-write.test.ts",
    "test/render/render-golden.test.ts",
  ],
  // The step-script tests are one sequence on one host directory (each starts from what the
  // previous ones left): run in their own order, from the first.
  inOrder: ["test/provisioning/step-script.test.ts"],
  // 3-13 s each on this machine (3 December 2026), run again for every mutant they reach that
  // survives the cheaper tests. What they check is also checked in-process: the rendered text of
  // every file by the golden renders (test/golden, compared byte for byte), each tool's own
  // acceptance by the cheaper real-tool tests kept here (amtool, fail2ban-client -t, crowdsec -t on
  // the fleet configs, promtool on prod.yaml, node_exporter, mtail).
  skipTests: [
    // crowdsec -t over the whole hub (12 s); the fleet configs' crowdsec -t (2 s) stays.
    "test/node-role/crowdsec.test.ts > the rendered configuration with the spec's collections passes crowdsec -t",
    // cscli registering every node (4 s).
    "test/node-role/crowdsec-fleet.test.ts > the hub registers every node",
    // a real netdata started and signalled (13 s).
    "test/node-role/netdata.test.ts > the real netdata loads the rendered alarms",
    // a real Alertmanager, waits of 4 s for escalation (7 s).
    "test/hub-role/alert-routes.test.ts > a real Alertmanager",
    // promtool check config over dev's and local's rule files (4-6 s); prod's (3 s) stays.
    "test/hub-role/hub-configs.test.ts > dev.yaml: promtool check config",
    "test/hub-role/hub-configs.test.ts > local.yaml: promtool check config",
    // the vigil CLI in a child process (6-9 s; Stryker sees no coverage in it).
    "test/render/render-golden.test.ts > vigil render is byte-identical across runs",
    "test/render/render-golden.test.ts > vigil render rejects an invalid spec",
  ],
  // The test files plan hosts at their top level, so most of provisioning/ runs while they load
  // and again in their tests: 727 such "hybrid" mutants, each on a fresh worker loading all 21
  // files, ran at about 4 a minute (3 December: stopped at 1,751 of 2,472 after 30 min). They are
  // switched on at run time instead (node-test-runner.mjs, nodeTest.hybrid): their effect on
  // what a test file computed at import is not tested, so a survivor among them may be a kill
  // missed; a kill is real.
  hybrid: "runtime",
  timeoutMS: 300_000,
});
