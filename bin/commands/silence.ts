// `vigil silence add <spec> (--host H | --alert A | --match k=v)... --for 2h --comment TEXT [--author NAME]`
// `vigil silence list <spec> [--all] [--json]`, `vigil silence expire <spec> ID`
// (each with [--target ssh://USER@HUB[:PORT]]... | --stack NAME [--identity FILE]).
//
// Through Alertmanager's API v2 on the hub. With a pair, the silence is made on the first hub
// that answers and reaches the other by Alertmanager's own gossip. The author defaults to the
// local user. Exit 0; 1 on bad input; 2 when the hub cannot be reached or refuses.
import { userInfo } from "node:os";
import { parseCommandArgs } from "../command-args.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { HUB_ARG_OPTIONS, type Hub } from "../hub-connection.ts";
import { openSpecAndHub, type HubArgValues } from "../hub-session.ts";
import { amExpireSilence, amPostSilence, amSilences } from "../hub-api.ts";
import { buildSilence, formatMatchers, formatSilences, isSilenceId, listedSilences } from "../silences.ts";

const USAGE = `usage:
  vigil silence add <spec> (--host H | --alert A | --match LABEL=VALUE)... --for 2h --comment TEXT [--author NAME] [HUB]
  vigil silence list <spec> [--all] [--json] [HUB]
  vigil silence expire <spec> ID [HUB]
HUB: --target ssh://USER@ADDR[:PORT] (repeat for a pair) | --stack NAME (its hosts output) [--identity FILE];
default: the running vigil local up hub`;

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

/**
 * Loads the spec and runs `work` on the hub; `check` may refuse the arguments against the spec
 * first (exit 1). 2 with why when the hub cannot be reached or answers wrong.
 */
async function withHub(
  file: string,
  values: HubArgValues,
  work: (hub: Hub, spec: Spec) => Promise<number>,
  check?: (spec: Spec) => number | undefined,
): Promise<number> {
  const session = await openSpecAndHub("silence", file, values, check ? { check } : {});
  if (typeof session === "number") return session;
  const { hub, spec } = session;
  try {
    return await work(hub, spec);
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
  if (sub === "add") return add(file, values);
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

async function add(file: string, values: { [K in keyof typeof OPTIONS]?: unknown } & HubArgValues): Promise<number> {
  let built: Extract<ReturnType<typeof buildSilence>, { silence: unknown }> | undefined;
  // The silence is built from the spec as soon as it is loaded, before the hub is waited for:
  // bad arguments exit 1 whether or not a hub answers.
  const check = (spec: Spec) => {
    const result = buildSilence(
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
    if ("errors" in result) {
      console.error(result.errors.map((e) => `vigil silence add: ${e}`).join("\n"));
      return 1;
    }
    built = result;
    return undefined;
  };
  return withHub(file, values, async (hub) => {
    const silence = built!.silence;
    const id = await amPostSilence(hub, silence);
    console.log(`silence ${id} on ${hub.where} until ${silence.endsAt.replace(/\.\d+Z$/, "Z")}: ${formatMatchers(silence.matchers)}`);
    return 0;
  }, check);
}
