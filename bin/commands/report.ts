// `vigil report <spec> --out DIR [--target ssh://USER@HUB[:PORT]]... | --stack NAME [--identity FILE]`
//
// Writes DIR/index.html: a self-contained status page (no script, no request) from the hub's
// Prometheus: per uptime check 90 daily availability bars and latency, per SLO its objective,
// the budget spent and left and a burn-down over its window, the critical incidents of the
// period, and when it was generated. Exit 0; 1 bad input; 2 when the hub cannot be reached.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseCommandArgs } from "../command-args.ts";
import { HUB_ARG_OPTIONS } from "../hub-connection.ts";
import { openSpecAndHub } from "../hub-session.ts";

const USAGE = "usage: vigil report <spec> --out DIR [--target ssh://USER@HUB[:PORT]]... | --stack NAME [--identity FILE]";

export async function runReport(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("report", USAGE, argv, { out: { type: "string" }, ...HUB_ARG_OPTIONS });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const [file, ...extra] = parsed.positionals;
  const out = parsed.values.out;
  if (file === undefined || extra.length > 0 || out === undefined) {
    console.error(USAGE);
    return 1;
  }
  const [session, { collectReport, statusPageHtml }] = await Promise.all([
    openSpecAndHub("report", file, parsed.values),
    import("../status-page.ts"),
  ]);
  if (typeof session === "number") return session;
  const { spec, hub } = session;
  try {
    const html = statusPageHtml(await collectReport(hub, spec, new Date()));
    mkdirSync(out, { recursive: true });
    const target = join(out, "index.html");
    writeFileSync(`${target}.tmp`, html);
    renameSync(`${target}.tmp`, target); // a page being served is replaced whole
    console.log(`wrote ${resolve(target)}`);
    return 0;
  } catch (err) {
    console.error(`vigil report: the hub ${hub.where} did not answer: ${(err as Error).message}`);
    return 2;
  } finally {
    await hub.close();
  }
}
