// The hub commands (status, silence, report) as one prebuilt bundle: bin/vigil runs
// bin/dist/hub-cli.mjs (built by `npm run build`, bin/build-hub-cli.ts) instead of the sources
// through tsx when no source is newer than it. Starting tsx's loader costs a second or more on a
// loaded 2-core machine, half of `vigil status`'s budget (BENCHMARKS.md). The same commands and
// the same dispatch as bin/vigil.ts; the modules stay lazily evaluated in the bundle.
import { runCli, type Command } from "./cli-main.ts";

const commands: Record<string, () => Promise<Command>> = {
  status: async () => (await import("./commands/status.ts")).runStatus,
  silence: async () => (await import("./commands/silence.ts")).runSilence,
  report: async () => (await import("./commands/report.ts")).runReport,
};

runCli(commands, process.argv.slice(2));
