// `vigil local up [<spec>] | down [--purge] | status [<spec>] | ssh [HOST] [-- CMD]`
//
// One host in the spec (the embedded default): one Debian 12 container on this machine
// (bin/local-target.ts, bin/local-apply.ts) sharing this machine's network, every address 127.0.0.1.
// Several hosts: the fleet (bin/local-fleet.ts, ./local-fleet.ts): one container per host, each in
// its own network namespace on a private bridge at the addresses `vigil render` uses, each host's
// own plan applied over SSH, nodes first, then hubs. This file parses and prints.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { lastSpecFile, localOptions, localSshTarget, localStatus, LocalTargetError, purgeLocal, stopLocal, type LocalOptions } from "../local-target.ts";
import { sshArgs, sshClose } from "../ssh-transport.ts";
import { describeOutcome, progressPrinter } from "../apply-engine.ts";
import { parseCommandArgs } from "../command-args.ts";
import { expectedEndpoints, localStatusReport, localUp } from "../local-apply.ts";
import type { SshTarget } from "../ssh-transport.ts";
import { ALERTMANAGER_PORT, NETDATA_PORT, PROMETHEUS_PORT } from "../../provisioning/service-ports.ts";
import { fleetStatusReport, fleetUp, isFleetSpec } from "./local-fleet.ts";
import { fleetSshTarget, fleetStatus, purgeFleet, readFleet, stopFleet } from "../local-fleet.ts";

const USAGE = `usage:
  vigil local up [<spec>]        boot a local Debian 12 container per host and apply the spec
                                 (default: the embedded stacks/local.yaml, one host on loopback;
                                 several hosts: one container each on a private bridge, addresses
                                 from vpc.ipRange, this machine at .1)
  vigil local down [--purge]     power everything off, remove the bridge and namespaces
                                 (--purge also deletes the containers' root filesystems)
  vigil local status [<spec>]    every host: exit 0 only when every service of every role is
                                 active and answers (default: the spec of the last up)
  vigil local ssh [HOST] [-- CMD]
                                 a shell in a host (default: the first), or run CMD there

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
  if (isFleetSpec(loaded.spec)) return upFleet(o, loaded.spec, loaded.file, values.fresh);
  if (fleetStatus(o).running) throw new LocalTargetError("a fleet is running from this state dir: vigil local down first");
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

async function upFleet(o: LocalOptions, spec: Spec, file: string, fresh: boolean | undefined): Promise<number> {
  if (localStatus(o).running) throw new LocalTargetError("the single-host container of this state dir is running: vigil local down first");
  const { outcomes, targets, network } = await fleetUp(o, spec, { fresh });
  writeFileSync(lastSpecFile(o), `${resolve(file)}\n`);
  await Promise.all(Object.values(targets).map((t) => sshClose(t)));
  let failed = false;
  for (const outcome of outcomes) {
    const h = network.hosts.find((x) => x.name === outcome.host)!;
    const line = describeOutcome(outcome, `local container ${h.address}`);
    if (outcome.failure) {
      failed = true;
      console.error(line);
    } else console.log(line);
  }
  const applied = new Set(outcomes.filter((x) => !x.failure).map((x) => x.host));
  const skipped = spec.hosts.filter((h) => !outcomes.some((x) => x.host === h.name)).map((h) => h.name);
  if (skipped.length > 0) console.error(`not applied (an earlier phase failed): ${skipped.join(", ")}`);
  if (failed || skipped.length > 0) return 1;
  const hub = spec.hosts.find((h) => h.roles.includes("hub") && applied.has(h.name));
  if (hub) {
    const address = network.hosts.find((h) => h.name === hub.name)!.address;
    const tunnel = (port: number) => ` -L ${port}:127.0.0.1:${port}`;
    const dashboard = spec.stack.netdata.enabled && spec.stack.netdata.streamApiKey ? tunnel(NETDATA_PORT) : "";
    console.log(`hub ${hub.name}: vigil local ssh ${hub.name} -- curl -s http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/targets`);
    console.log(`              or from here: ssh -N${tunnel(PROMETHEUS_PORT)}${tunnel(ALERTMANAGER_PORT)}${dashboard} root@${address}`);
  }
  console.log(`alerts to this machine reach ${network.gateway} (the bridge); shell: vigil local ssh [HOST]`);
  return 0;
}

async function down(o: LocalOptions, argv: string[]): Promise<number> {
  const parsed = parseCommandArgs("local down", USAGE, argv, { purge: { type: "boolean" } });
  if ("error" in parsed || parsed.positionals.length > 0) {
    console.error("error" in parsed ? parsed.error : USAGE);
    return 1;
  }
  const { values } = parsed;
  const fleet = readFleet(o);
  // Also stops a proxy left by a fleet whose record is gone.
  const fleetStopped = await stopFleet(o);
  if (fleet) console.log(fleetStopped ? `fleet powered off (${fleet.hosts.map((h) => h.name).join(", ")}); bridge and namespaces removed` : "no fleet was running");
  const stopped = await stopLocal(o);
  if (!fleet) console.log(stopped ? "container powered off" : "no container was running");
  if (values.purge) {
    purgeLocal(o);
    purgeFleet(o);
    console.log(`deleted ${o.stateDir}/root and ${o.stateDir}/fleet`);
  }
  return 0;
}

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
  if (isFleetSpec(loaded.spec)) {
    const report = await fleetStatusReport(o, loaded.spec);
    for (const l of report.lines) console.log(l);
    await Promise.all((readFleet(o)?.hosts ?? []).map((h) => sshClose(fleetSshTarget(o, h))));
    return report.ok ? 0 : 1;
  }
  const report = await localStatusReport(o, loaded.spec);
  for (const l of report.lines) console.log(l);
  await sshClose(localSshTarget(o));
  return report.ok ? 0 : 1;
}

async function ssh(o: LocalOptions, argv: string[]): Promise<number> {
  const dash = argv.indexOf("--");
  const before = dash >= 0 ? argv.slice(0, dash) : argv;
  let cmd = dash >= 0 ? argv.slice(dash + 1) : argv;
  let target: SshTarget;
  const fleet = fleetStatus(o);
  if (fleet.running && fleet.record) {
    // `ssh HOST [-- CMD]`, `ssh HOST CMD...`, or no host: the first host of the fleet.
    const named = fleet.record.hosts.find((h) => h.name === before[0]);
    if (before.length > 0 && !named && dash >= 0) {
      console.error(`vigil local ssh: no host "${before[0]}" in the fleet (hosts: ${fleet.record.hosts.map((h) => h.name).join(", ")})`);
      return 1;
    }
    if (named && dash < 0) cmd = argv.slice(1);
    const host = named ?? fleet.record.hosts[0]!;
    if (!fleet.up.includes(host.name)) {
      console.error(`vigil local ssh: ${host.name} is not running (vigil local up)`);
      return 1;
    }
    target = fleetSshTarget(o, host);
  } else {
    if (!localStatus(o).running) {
      console.error("vigil local ssh: the container is not running (vigil local up)");
      return 1;
    }
    if (dash >= 0 && before.length > 0) {
      console.error(`vigil local ssh: no fleet is running; the single container has no host "${before[0]}"`);
      return 1;
    }
    target = localSshTarget(o);
  }
  // A command is passed on as the words given, joined by spaces, the way ssh itself does.
  const args = cmd.length > 0 ? [...sshArgs(target), "--", cmd.join(" ")] : [...sshArgs(target, ["-t"])];
  const r = spawnSync("ssh", args, { stdio: "inherit" });
  return r.status ?? 1;
}
