// `vigil status <spec> [--json] [--target ssh://USER@HUB[:PORT]]... | --stack NAME [--identity FILE]`
//
// Exit 0 when no critical alert fires, 1 when one does (silenced, inhibited or muted ones still
// fire: they count), 2 when the hub cannot be reached or does not answer (with why). An invalid
// spec or bad arguments exit 1 with the located error, like every command.
//
// Answering in under 2 s is part of the job (BENCHMARKS.md): only light modules are imported
// before the SSH connection starts (hub-session.ts), the rest load while ssh negotiates.
import { parseCommandArgs } from "../command-args.ts";
import { HUB_ARG_OPTIONS } from "../hub-connection.ts";
import { openSpecAndHub } from "../hub-session.ts";

const USAGE = "usage: vigil status <spec> [--json] [--target ssh://USER@HUB[:PORT]]... | --stack NAME [--identity FILE]";

export async function runStatus(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("status", USAGE, argv, { json: { type: "boolean" }, ...HUB_ARG_OPTIONS });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    console.error(USAGE);
    return 1;
  }
  const [session, { buildStatus, collectStatus, formatStatus, statusExitCode }] = await Promise.all([
    openSpecAndHub("status", file, parsed.values),
    import("../fleet-status.ts"),
  ]);
  if (typeof session === "number") return session;
  const { spec, hub } = session;
  try {
    const status = buildStatus(spec, await collectStatus(hub), new Date());
    process.stdout.write(parsed.values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return statusExitCode(status);
  } catch (err) {
    console.error(`vigil status: the hub ${hub.where} did not answer: ${(err as Error).message}`);
    return 2;
  } finally {
    await hub.close();
  }
}
