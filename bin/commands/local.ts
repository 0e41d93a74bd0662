// `vigil local up [<spec>] | down [--purge] | status [<spec>] | ssh [-- CMD]`
//
// The embedded default target: a Debian 12 container on this machine (bin/local-target.ts) that
// plays every host of the spec. All host addresses are mapped to 127.0.0.1 (loopbackContext), and
// the hosts' plans are applied in spec order into the one container; a step whose id an earlier
// host already applied is skipped (two hosts' node roles would otherwise overwrite each other on
// every run and never converge). So the container runs the first node host's node role and the
// first hub host's hub role; the hub still scrapes every node host, all at 127.0.0.1.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadSpecFile } from "../../schema/load-spec.ts";
import { formatErrors } from "../../schema/spec-errors.ts";
import type { Spec } from "../../schema/spec-schema.ts";
import { loopbackContext, planForHost, type HostPlan } from "../../provisioning/plan.ts";
import {
  bootLocal, lastSpecFile, localOptions, localSshTarget, localStatus, LocalTargetError, purgeLocal, stopLocal, type LocalOptions,
} from "../local-target.ts";
import { sshArgs, sshClose, sshRun, type SshTarget } from "../ssh-transport.ts";
import { applyHostPlan, describeOutcome, missingSecrets, progressPrinter, secretsFromEnv, type ApplyOutcome } from "./apply.ts";

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

/** Every host's plan merged into one for the single container (see the header comment). */
export function localPlan(spec: Spec): HostPlan {
  const ctx = loopbackContext(spec);
  const seen = new Set<string>();
  const steps = [];
  const roles = new Set<HostPlan["roles"][number]>();
  for (const host of spec.hosts) {
    const plan = planForHost(spec, host.name, ctx);
    for (const r of plan.roles) roles.add(r);
    for (const step of plan.steps) {
      if (seen.has(step.id)) continue;
      seen.add(step.id);
      steps.push(step);
    }
  }
  return { host: spec.hosts.map((h) => h.name).join("+"), roles: [...roles], steps };
}

/** The systemd units each role must keep active, by the spec. */
export function expectedUnits(spec: Spec): string[] {
  const units = new Set<string>();
  const roles = new Set(spec.hosts.flatMap((h) => h.roles));
  if (roles.has("node")) {
    if (spec.stack.netdata.enabled) units.add("netdata.service");
    if (spec.stack.nodeExporter.enabled) units.add("prometheus-node-exporter.service");
    if (spec.stack.fail2ban.enabled) units.add("fail2ban.service");
    if (spec.stack.crowdsec.enabled) units.add("crowdsec.service");
    if (spec.hosts.some((h) => h.roles.includes("node") && h.agent)) units.add("vigil-agent.service");
    for (const h of spec.hosts) if (h.roles.includes("node")) for (const s of h.services) units.add(s.includes(".") ? s : `${s}.service`);
  }
  if (roles.has("hub")) {
    units.add("prometheus.service");
    units.add("prometheus-alertmanager.service");
    units.add("prometheus-blackbox-exporter.service");
  }
  return [...units].sort();
}

/** HTTP endpoints that must answer, by the spec (all on the container's loopback = ours). */
export function expectedEndpoints(spec: Spec): { name: string; url: string }[] {
  const roles = new Set(spec.hosts.flatMap((h) => h.roles));
  const e: { name: string; url: string }[] = [];
  if (roles.has("node")) {
    if (spec.stack.netdata.enabled) e.push({ name: "Netdata", url: "http://127.0.0.1:19999/api/v1/info" });
    if (spec.stack.nodeExporter.enabled) e.push({ name: "node_exporter", url: "http://127.0.0.1:9100/metrics" });
  }
  if (roles.has("hub")) {
    e.push({ name: "Prometheus", url: "http://127.0.0.1:9090/-/ready" });
    e.push({ name: "Alertmanager", url: "http://127.0.0.1:9093/-/ready" });
    e.push({ name: "blackbox_exporter", url: "http://127.0.0.1:9115/metrics" });
  }
  return e;
}

function loadSpecOr(file: string | undefined): { spec: Spec; file: string } | undefined {
  const path = file ?? DEFAULT_LOCAL_SPEC;
  const r = loadSpecFile(path);
  if (!r.ok) {
    console.error(formatErrors(r.errors));
    return undefined;
  }
  return { spec: r.spec, file: path };
}

/** Boots the container and applies the spec: what `vigil local up` does, usable from tests. */
export async function localUp(
  o: LocalOptions,
  spec: Spec,
  opts: {
    fresh?: boolean;
    waitSlotMs?: number;
    env?: NodeJS.ProcessEnv;
    out?: (line: string) => void;
    onStart?: (label: string) => void;
    /** Apply this plan instead of computing localPlan(spec) now. */
    plan?: HostPlan;
  } = {},
): Promise<{ outcome: ApplyOutcome; target: SshTarget; bootSeconds: number }> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const plan = opts.plan ?? localPlan(spec);
  const env = opts.env ?? process.env;
  const missing = missingSecrets(plan, env);
  if (missing.length > 0) throw new LocalTargetError(`the spec needs secrets that are not set: ${missing.join(", ")}`);
  const t0 = performance.now();
  const boot = await bootLocal(o, { fresh: opts.fresh, waitSlotMs: opts.waitSlotMs });
  const bootSeconds = (performance.now() - t0) / 1000;
  out(boot.reused ? `container already running (pid ${boot.pid})` : `container booted in ${bootSeconds.toFixed(1)}s (pid ${boot.pid})`);
  out(`applying ${plan.steps.length} steps (${plan.roles.join(", ")}) of ${plan.host}`);
  const outcome = await applyHostPlan(plan, boot.target, secretsFromEnv(plan, env), out, opts.onStart);
  return { outcome, target: boot.target, bootSeconds };
}

export interface StatusReport {
  ok: boolean;
  lines: string[];
}

/** Every expected unit active and every endpoint answering, checked from inside the container. */
export async function localStatusReport(o: LocalOptions, spec: Spec): Promise<StatusReport> {
  const s = localStatus(o);
  if (!s.running) return { ok: false, lines: [s.otherHolder ? `another container holds this machine (state ${s.otherHolder.stateDir})` : "not running"] };
  const target = localSshTarget(o);
  const units = expectedUnits(spec);
  const endpoints = expectedEndpoints(spec);
  const script = [
    ...units.map((u) => `printf 'unit %s %s\\n' ${u} "$(systemctl is-active ${u} 2>/dev/null || true)"`),
    ...endpoints.map(
      (e) => `printf 'http %s %s\\n' ${e.url} "$(curl -s -o /dev/null -m 5 -w '%{http_code}' ${e.url} || true)"`,
    ),
  ].join("\n");
  const r = await sshRun(target, script, { timeoutMs: 60_000 });
  if (r.code !== 0) return { ok: false, lines: [`ssh failed (exit ${r.code}): ${r.stderr.trim()}`] };
  const lines = [`running: pid ${s.pid}, ssh root@127.0.0.1:${s.port}`];
  let ok = true;
  for (const line of r.stdout.trim().split("\n")) {
    const [kind, name, state] = line.split(" ");
    const good = kind === "unit" ? state === "active" : state === "200";
    if (!good) ok = false;
    const label = kind === "http" ? (endpoints.find((e) => e.url === name)?.name ?? name) : name;
    lines.push(`${good ? "ok  " : "FAIL"} ${label} ${kind === "http" ? `${name} → ${state || "no answer"}` : state || "unknown"}`);
  }
  return { ok, lines };
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
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { fresh: { type: "boolean" } } });
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
  const { values } = parseArgs({ args: argv, options: { purge: { type: "boolean" } } });
  const stopped = await stopLocal(o);
  console.log(stopped ? "container powered off" : "no container was running");
  if (values.purge) {
    purgeLocal(o);
    console.log(`deleted ${o.stateDir}/root`);
  }
  return 0;
}

async function status(o: LocalOptions, argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true });
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
