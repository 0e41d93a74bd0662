// `vigil status <spec> [--json] [--target ssh://USER@HUB[:PORT]]... [--identity FILE]`
//
// Exit 0 when no critical alert fires, 1 when one does (silenced, inhibited or muted ones still
// fire: they count), 2 when the hub cannot be reached or does not answer (with why). An invalid
// spec or bad arguments exit 1 with the located error, like every command.
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { parseCommandArgs } from "../command-args.ts";
import { connectHub, HUB_ARG_OPTIONS, hubTargets, HubUnreachable } from "../hub-connection.ts";
import { buildStatus, collectStatus, formatStatus, statusExitCode } from "../fleet-status.ts";

const USAGE = "usage: vigil status <spec> [--json] [--target ssh://USER@HUB[:PORT]]... [--identity FILE]";

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
  const loaded = loadSpecFile(file);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  let hub;
  try {
    hub = await connectHub({ targets: hubTargets(file, parsed.values) });
  } catch (err) {
    if (!(err instanceof HubUnreachable)) throw err;
    console.error(`vigil status: cannot reach the hub:\n${err.message.replace(/^/gm, "  ")}`);
    return 2;
  }
  try {
    const status = buildStatus(loaded.spec, await collectStatus(hub), new Date());
    process.stdout.write(parsed.values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    return statusExitCode(status);
  } catch (err) {
    console.error(`vigil status: the hub ${hub.where} did not answer: ${(err as Error).message}`);
    return 2;
  } finally {
    await hub.close();
  }
}
