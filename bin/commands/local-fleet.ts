// `vigil local up|status` for a multi-host spec: every host's own plan, applied over SSH to its
// own container at its private address (bin/local-fleet.ts boots them).
//
// Order: hosts with only the node role first, then hubs (a hub's config names the nodes, and a
// node that is also a hub is a hub here), each phase in parallel: hosts of one phase do not
// depend on each other. Progress lines are the single host's, prefixed with the host name.
import type { Spec } from "../../schema/spec-schema.ts";
import type { HostPlan } from "../../provisioning/plan.ts";
import { planForHost } from "../../provisioning/host-plan.ts";
import { fleetContext, fleetNetwork, type FleetNetwork } from "../local-network.ts";
import { bootFleet, fleetSshTarget, fleetStatus, readFleet } from "../local-fleet.ts";
import { LocalTargetError, type LocalOptions } from "../local-target.ts";
import { sshRun, type SshTarget } from "../ssh-transport.ts";
import { applyHostPlan, missingSecrets, secretsFromEnv, type ApplyOutcome } from "../apply-engine.ts";
import { hostEndpoints, type StatusReport } from "./local-expected.ts";
import { runningUnits } from "../../provisioning/watched-services.ts";

/** A spec with several hosts runs as a fleet. */
export const isFleetSpec = (spec: Spec): boolean => spec.hosts.length > 1;

/** Every host's plan with the fleet's addresses (the stand-ins of `vigil render`). Pure. */
export function fleetPlans(spec: Spec, net: FleetNetwork = fleetNetwork(spec)): HostPlan[] {
  const ctx = fleetContext(net);
  return spec.hosts.map((h) => planForHost(spec, h.name, ctx));
}

/** The apply phases: node-only hosts, then hubs. Pure. */
export function applyPhases(spec: Spec): string[][] {
  const hubs = spec.hosts.filter((h) => h.roles.includes("hub")).map((h) => h.name);
  const nodes = spec.hosts.filter((h) => !h.roles.includes("hub")).map((h) => h.name);
  return [nodes, hubs].filter((p) => p.length > 0);
}

export interface FleetUpResult {
  outcomes: ApplyOutcome[];
  targets: Record<string, SshTarget>;
  bootSeconds: number;
  network: FleetNetwork;
}

/** Boots the fleet and applies every host's plan: what `vigil local up` does for several hosts. */
export async function fleetUp(
  o: LocalOptions,
  spec: Spec,
  opts: { fresh?: boolean; waitSlotMs?: number; env?: NodeJS.ProcessEnv; out?: (line: string) => void; plans?: HostPlan[] } = {},
): Promise<FleetUpResult> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const env = opts.env ?? process.env;
  const net = fleetNetwork(spec);
  const plans = opts.plans ?? fleetPlans(spec, net);
  const missing = [...new Set(plans.flatMap((p) => missingSecrets(p, env)))].sort();
  if (missing.length > 0) throw new LocalTargetError(`the spec needs secrets that are not set: ${missing.join(", ")}`);
  const t0 = performance.now();
  const boot = await bootFleet(o, spec, { fresh: opts.fresh, waitSlotMs: opts.waitSlotMs });
  const bootSeconds = (performance.now() - t0) / 1000;
  out(
    boot.reused
      ? `fleet already running (${net.hosts.map((h) => `${h.name} ${h.address}`).join(", ")})`
      : `fleet booted in ${bootSeconds.toFixed(1)}s on ${net.bridge} ${net.gateway}/${net.prefix}: ${net.hosts.map((h) => `${h.name} ${h.address}`).join(", ")}`,
  );
  const width = Math.max(...spec.hosts.map((h) => h.name.length));
  const outcomes: ApplyOutcome[] = [];
  for (const phase of applyPhases(spec)) {
    const results = await Promise.all(
      phase.map((name) => {
        const plan = plans.find((p) => p.host === name)!;
        const prefix = `${name.padEnd(width)} `;
        out(`${prefix}applying ${plan.steps.length} steps (${plan.roles.join(", ")}) at ${net.hosts.find((h) => h.name === name)!.address}`);
        return applyHostPlan(plan, boot.targets[name]!, secretsFromEnv(plan, env), (l) => out(`${prefix}${l}`));
      }),
    );
    outcomes.push(...results);
    // A hub's config assumes its nodes are in place: stop at the first failed phase.
    if (results.some((r) => r.failure)) break;
  }
  return { outcomes, targets: boot.targets, bootSeconds, network: net };
}

/** Every host: its units active and its endpoints answering, checked from inside each container. */
export async function fleetStatusReport(o: LocalOptions, spec: Spec): Promise<StatusReport> {
  const s = fleetStatus(o);
  const record = readFleet(o);
  if (!s.running || !record) {
    return { ok: false, lines: [s.otherHolder ? `another container holds this machine (state ${s.otherHolder.stateDir})` : "not running"] };
  }
  const lines: string[] = [`fleet on ${record.network.bridge} ${record.network.gateway}/${record.network.prefix}`];
  let ok = true;
  const reports = await Promise.all(
    spec.hosts.map(async (host) => {
      const h = record.hosts.find((x) => x.name === host.name);
      if (!h || !s.up.includes(host.name)) return { ok: false, lines: [`${host.name}: FAIL not running`] };
      const units = runningUnits(spec, host);
      const endpoints = hostEndpoints(spec, host, h.address);
      const script = [
        ...units.map((u) => `printf 'unit %s %s\\n' ${u} "$(systemctl is-active ${u} 2>/dev/null || true)"`),
        ...endpoints.map((e) => `printf 'http %s %s\\n' ${e.url} "$(curl -s -o /dev/null -m 5 -w '%{http_code}' ${e.url} || true)"`),
      ].join("\n");
      const r = await sshRun(fleetSshTarget(o, h), script, { timeoutMs: 60_000 });
      if (r.code !== 0) return { ok: false, lines: [`${host.name}: FAIL ssh exit ${r.code}: ${r.stderr.trim()}`] };
      const hostLines = [`${host.name} ${h.address} (${host.roles.join(", ")}): pid ${h.pid}, ssh root@${h.address}`];
      let hostOk = true;
      for (const line of r.stdout.trim().split("\n").filter(Boolean)) {
        const [kind, name, state] = line.split(" ");
        const good = kind === "unit" ? state === "active" : state === "200";
        if (!good) hostOk = false;
        const label = kind === "http" ? (endpoints.find((e) => e.url === name)?.name ?? name) : name;
        hostLines.push(`  ${good ? "ok  " : "FAIL"} ${label} ${kind === "http" ? `${name} → ${state || "no answer"}` : state || "unknown"}`);
      }
      return { ok: hostOk, lines: hostLines };
    }),
  );
  for (const r of reports) {
    if (!r.ok) ok = false;
    lines.push(...r.lines);
  }
  return { ok, lines };
}
