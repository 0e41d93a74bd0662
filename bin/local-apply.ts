// What `vigil local` does to the container, for the CLI, the tests and the benchmarks: the spec's
// hosts merged into one plan for the single container (every address 127.0.0.1, loopbackContext),
// `up` (boot, then apply with the apply engine) and the status report. The hosts' plans are
// applied in spec order; a step whose id an earlier host already applied is skipped (two hosts'
// node roles would otherwise overwrite each other on every run and never converge). So the
// container runs the first node host's node role and the first hub host's hub role; the hub
// still scrapes every node host, all at 127.0.0.1.
import type { Spec } from "../schema/spec-schema.ts";
import { loopbackContext } from "../provisioning/address-contexts.ts";
import { hostPort } from "../provisioning/addresses.ts";
import { planForHost } from "../provisioning/host-plan.ts";
import type { HostPlan } from "../provisioning/plan.ts";
import { ALERTMANAGER_PORT, BLACKBOX_PORT, NETDATA_PORT, NODE_EXPORTER_PORT, PROMETHEUS_PORT } from "../provisioning/service-ports.ts";
import { runningUnits } from "../provisioning/watched-services.ts";
import { applyHostPlan, missingSecrets, secretsFromEnv, type ApplyOutcome } from "./apply-engine.ts";
import { bootLocal, localSshTarget, localStatus, LocalTargetError, type LocalOptions } from "./local-target.ts";
import { sshRun, type SshTarget } from "./ssh-transport.ts";

/** Every host's plan merged into one for the single container (see the header comment). */
export function mergedLocalPlan(spec: Spec): HostPlan {
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

/** The systemd units that must be active in the container: every host's, as watched-services.ts lists them. */
export function expectedUnits(spec: Spec): string[] {
  return [...new Set(spec.hosts.flatMap((h) => runningUnits(spec, h)))].sort();
}

/** HTTP endpoints that must answer, by the spec (all on the container's loopback = ours). */
export function expectedEndpoints(spec: Spec): { name: string; url: string }[] {
  const roles = new Set(spec.hosts.flatMap((h) => h.roles));
  const e: { name: string; url: string }[] = [];
  const local = (port: number) => `http://${hostPort("127.0.0.1", port)}`;
  if (roles.has("node")) {
    if (spec.stack.netdata.enabled) e.push({ name: "Netdata", url: `${local(NETDATA_PORT)}/api/v1/info` });
    if (spec.stack.nodeExporter.enabled) e.push({ name: "node_exporter", url: `${local(NODE_EXPORTER_PORT)}/metrics` });
  }
  if (roles.has("hub")) {
    e.push({ name: "Prometheus", url: `${local(PROMETHEUS_PORT)}/-/ready` });
    e.push({ name: "Alertmanager", url: `${local(ALERTMANAGER_PORT)}/-/ready` });
    e.push({ name: "blackbox_exporter", url: `${local(BLACKBOX_PORT)}/metrics` });
  }
  return e;
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
    /** Apply this plan instead of computing mergedLocalPlan(spec) now. */
    plan?: HostPlan;
  } = {},
): Promise<{ outcome: ApplyOutcome; target: SshTarget; bootSeconds: number }> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const plan = opts.plan ?? mergedLocalPlan(spec);
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
