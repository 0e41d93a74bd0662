// vigil: the command-line entry point. Each command lives in bin/commands/<name>.ts and returns
// its exit code; this file only lists them (cli-main.ts dispatches). Each is imported only when
// run, so a command loads nothing another one needs.
import { runCli, type Command } from "./cli-main.ts";

const commands: Record<string, () => Promise<Command>> = {
  validate: async () => (await import("./commands/validate.ts")).runValidate,
  render: async () => (await import("./commands/render.ts")).runRender,
  plan: async () => (await import("./commands/plan.ts")).runPlan,
  check: async () => (await import("./commands/check.ts")).runCheck,
  test: async () => (await import("./commands/test.ts")).runTest,
  apply: async () => (await import("./commands/apply.ts")).runApply,
  local: async () => (await import("./commands/local.ts")).runLocal,
  status: async () => (await import("./commands/status.ts")).runStatus,
  silence: async () => (await import("./commands/silence.ts")).runSilence,
  report: async () => (await import("./commands/report.ts")).runReport,
};

runCli(commands, process.argv.slice(2));
