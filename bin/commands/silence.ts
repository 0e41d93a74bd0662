// `vigil silence add <spec> (--host H | --alert A | --match k=v)... --for 2h --comment TEXT [--author NAME]`
// `vigil silence list <spec> [--all] [--json]`, `vigil silence expire <spec> ID`
// (each with [--target ssh://USER@HUB[:PORT]]... [--identity FILE]).
//
// Through Alertmanager's API v2 on the hub. With a pair, the silence is made on the first hub
// that answers and reaches the other by Alertmanager's own gossip. The author defaults to the
// local user. Exit 0; 1 on bad input; 2 when the hub cannot be reached or refuses.
import { userInfo } from "node:os";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import { parseCommandArgs } from "../command-args.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { connectHub, HUB_ARG_OPTIONS, hubTargets, HubUnreachable, type Hub } from "../hub-connection.ts";
import { amExpireSilence, amPostSilence, amSilences } from "../hub-api.ts";
import { buildSilence, formatMatchers, formatSilences, isSilenceId, listedSilences } from "../silences.ts";

const USAGE = `usage:
  vigil silence add <spec> (--host H | --alert A | --match LABEL=VALUE)... --for 2h --comment TEXT [--author NAME] [HUB]
  vigil silence list <spec> [--all] [--json] [HUB]
  vigil silence expire <spec> ID [HUB]
HUB: --target ssh://USER@ADDR[:PORT] (repeat for a pair) [--identity FILE]; default: the running vigil local up hub`;

const OPTIONS = {
  ...HUB_ARG_OPTIONS,
  host: { type: "string", multiple: true },
  alert: { type: "string", multiple: true },
  match: { type: "string", multiple: true },
  for: { type: "string" },
  comment: { type: "string" },
  author: { type: "string" },
  all: { type: "boolean" },
  json: { type: "boolean" },
} as const;

/** Runs `work` on the hub; 2 with why when it cannot be reached or answers wrong. */
async function withHub(file: string, values: { target?: string[]; identity?: string }, work: (hub: Hub) => Promise<number>): Promise<number> {
  let hub: Hub;
  try {
    hub = await connectHub({ targets: hubTargets(file, values) });
  } catch (err) {
    if (!(err instanceof HubUnreachable)) throw err;
    console.error(`vigil silence: cannot reach the hub:\n${err.message.replace(/^/gm, "  ")}`);
    return 2;
  }
  try {
    return await work(hub);
  } catch (err) {
    console.error(`vigil silence: the hub ${hub.where} did not do it: ${(err as Error).message}`);
    return 2;
  } finally {
    await hub.close();
  }
}

export async function runSilence(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const parsed = parseCommandArgs("silence", USAGE, rest, OPTIONS);
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const { positionals, values } = parsed;
  const [file, ...extra] = positionals;
  const wantsId = sub === "expire";
  if (!["add", "list", "expire"].includes(sub ?? "") || file === undefined || extra.length !== (wantsId ? 1 : 0)) {
    console.error(USAGE);
    return 1;
  }
  const loaded = loadSpecFile(file);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return 1;
  }
  if (sub === "add") return add(file, loaded.spec, values);
  if (sub === "list") return withHub(file, values, async (hub) => {
    const silences = listedSilences(await amSilences(hub), values.all ?? false);
    process.stdout.write(values.json ? `${JSON.stringify(silences, null, 2)}\n` : formatSilences(silences, new Date()));
    return 0;
  });
  const id = extra[0]!;
  if (!isSilenceId(id)) {
    console.error(`vigil silence expire: "${id}" is not a silence id (vigil silence list shows them)`);
    return 1;
  }
  return withHub(file, values, async (hub) => {
    await amExpireSilence(hub, id);
    console.log(`expired silence ${id} on ${hub.where}`);
    return 0;
  });
}

async function add(file: string, spec: Spec, values: { [K in keyof typeof OPTIONS]?: unknown } & { target?: string[]; identity?: string }): Promise<number> {
  const built = buildSilence(
    spec,
    {
      hosts: (values.host as string[] | undefined) ?? [],
      alerts: (values.alert as string[] | undefined) ?? [],
      match: (values.match as string[] | undefined) ?? [],
      for: (values.for as string | undefined) ?? "",
      comment: (values.comment as string | undefined) ?? "",
      author: (values.author as string | undefined) ?? userInfo().username,
    },
    new Date(),
  );
  if ("errors" in built) {
    console.error(built.errors.map((e) => `vigil silence add: ${e}`).join("\n"));
    return 1;
  }
  return withHub(file, values, async (hub) => {
    const id = await amPostSilence(hub, built.silence);
    console.log(`silence ${id} on ${hub.where} until ${built.silence.endsAt.replace(/\.\d+Z$/, "Z")}: ${formatMatchers(built.silence.matchers)}`);
    return 0;
  });
}
