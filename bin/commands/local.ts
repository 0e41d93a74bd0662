// `vigil local up [<spec>] | down [--purge] | status [<spec>] | ssh [-- CMD]`
//
// The embedded default target: a Debian 12 container on this machine (bin/local-target.ts) that
// plays every host of the spec (bin/local-apply.ts merges their plans). This file parses and prints.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { localOptions, localSshTarget, localStatus, LocalTargetError, purgeLocal, stopLocal, type LocalOptions } from "../local-target.ts";
import { sshArgs, sshClose } from "../ssh-transport.ts";
import { describeOutcome, progressPrinter } from "../apply-engine.ts";
import { parseCommandArgs } from "../command-args.ts";
import { expectedEndpoints, localStatusReport, localUp } from "../local-apply.ts";

const USAGE = `usage:
  vigil local up [<spec>]        boot the local Debian 12 container and apply every role of the spec
                                 (default: the embedded stacks/local.yaml)
  vigil local down [--purge]     power it off (--purge also deletes its root filesystem)
  vigil local status [<spec>]    exit 0 only when every service of every role is active and answers
                                 (default: the spec of the last up)
  vigil local ssh [-- CMD]       a shell in the container, or run CMD there

environment: VIGIL_LOCAL_DIR (/var/lib/vigil-local), VIGIL_CACHE_DIR (/var/cache/vigil),
             VIGIL_LOCAL_PORT (2222), VIGIL_ROOT_MAX_AGE_DAYS (14)`;

/** The spec `vigil local up` applies when none is given. */
export const DEFAULT_LOCAL_SPEC = fileURLToPath(new URL("../../stacks/local.yaml", import.meta.url));

function loadSpecOr(file: string | undefined): { spec: Spec; file: string } | undefined {
  const path = file ?? DEFAULT_LOCAL_SPEC;
  const r = loadSpecFile(path);
  if (!r.ok) {
    console.error(formatErrors(r.errors));
    return undefined;
  }
  return { spec: r.spec, file: path };
}

export async function runLocal(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const o = localOptions();
  try {
    switch (sub) {
      case "up":
        return await up(o, rest);
      case "down":
        return await down(o, rest);
      case "status":
        return await status(o, rest);
      case "ssh":
        return await ssh(o, rest);
      case "--help":
      case "-h":
      case "help":
        console.log(USAGE);
        return 0;
      default:
        console.error(sub === undefined ? USAGE : `vigil local: unknown subcommand "${sub}"\n${USAGE}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof LocalTargetError) {
      console.error(`vigil local ${sub}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

async function up(o: LocalOptions, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("local up", USAGE, argv, { fresh: { type: "boolean" } });
  if ("error" in parsed) {
    console.error(parsed.error);
    return 1;
  }
  const { positionals, values } = parsed;
  if (positionals.length > 1) {
    console.error(USAGE);
    return 1;
  }
  const loaded = loadSpecOr(positionals[0]);
  if (!loaded) return 1;
  const { outcome, target } = await localUp(o, loaded.spec, { fresh: values.fresh, ...progressPrinter() });
  writeFileSync(lastSpecFile(o), `${resolve(loaded.file)}\n`);
  await sshClose(target);
  const where = `local container 127.0.0.1:${o.port}`;
  if (outcome.failure) {
    console.error(describeOutcome(outcome, where));
    return 1;
  }
  console.log(describeOutcome(outcome, where));
  const endpoints = expectedEndpoints(loaded.spec).filter((e) => e.name !== "blackbox_exporter" && e.name !== "node_exporter");
  for (const e of endpoints) console.log(`${e.name.padEnd(13)} ${e.url.replace(/\/(api\/v1\/info|-\/ready)$/, "/")}`);
  console.log(`shell         vigil local ssh`);
  return 0;
}

async function down(o: LocalOptions, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("local down", USAGE, argv, { purge: { type: "boolean" } });
  if ("error" in parsed || parsed.positionals.length > 0) {
    console.error("error" in parsed ? parsed.error : USAGE);
    return 1;
  }
  const { values } = parsed;
  const stopped = await stopLocal(o);
  console.log(stopped ? "container powered off" : "no container was running");
  if (values.purge) {
    purgeLocal(o);
    console.log(`deleted ${o.stateDir}/root`);
  }
  return 0;
}

/** Where `up` records the spec it applied, so a bare `status` checks that spec. */
const lastSpecFile = (o: LocalOptions) => join(o.stateDir, "last-spec");

async function status(o: LocalOptions, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("local status", USAGE, argv, {});
  if ("error" in parsed || parsed.positionals.length > 1) {
    console.error("error" in parsed ? parsed.error : USAGE);
    return 1;
  }
  const { positionals } = parsed;
  const last = existsSync(lastSpecFile(o)) ? readFileSync(lastSpecFile(o), "utf8").trim() : undefined;
  const loaded = loadSpecOr(positionals[0] ?? last);
  if (!loaded) return 1;
  const report = await localStatusReport(o, loaded.spec);
  for (const l of report.lines) console.log(l);
  await sshClose(localSshTarget(o));
  return report.ok ? 0 : 1;
}

async function ssh(o: LocalOptions, argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const cmd = dash >= 0 ? argv.slice(dash + 1) : argv;
  if (!localStatus(o).running) {
    console.error("vigil local ssh: the container is not running (vigil local up)");
    return 1;
  }
  const target = localSshTarget(o);
  // A command is passed on as the words given, joined by spaces, the way ssh itself does.
  const args = cmd.length > 0 ? [...sshArgs(target), "--", cmd.join(" ")] : [...sshArgs(target, ["-t"])];
  const r = spawnSync("ssh", args, { stdio: "inherit" });
  return r.status ?? 1;
}
