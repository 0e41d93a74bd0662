// The Plan model: what a host receives, as ordered, idempotent steps. Pure data; step-script.ts
// turns a step into the one shell script that Pulumi and `vigil apply` both run.
import { createHash } from "node:crypto";
import { isIP } from "node:net";
import type { Host, Role, Spec } from "../schema/spec-schema.ts";
import { nodeRoleSteps } from "./node-role.ts";
import { hubRoleSteps } from "./hub-role.ts";
import { agentSteps } from "./agent.ts";

/** A file a step places on the host. */
export interface PlanFile {
  /** Absolute path on the host. */
  path: string;
  /** Octal mode as a string: "0644", "0600", "0755". */
  mode: string;
  /** `user:group`; the user must exist when the step runs (an earlier step installs it). */
  owner: string;
  /** The file's text. Absent exactly when `secret` is set. */
  content?: string;
  /**
   * The name of a spec secret (`{ secret: NAME }`) whose value is the whole file. Its value is
   * never part of the plan: it travels on the step's stdin at apply time (see step-script.ts).
   */
  secret?: string;
}

/** One idempotent unit of work on a host, applied as: files → validate → run → reload. */
export interface PlanStep {
  /** Unique within a host plan; `[a-z0-9-]+`, names the piece (`fail2ban`, `prometheus-rules`). */
  id: string;
  /** One line for progress output and Pulumi resource descriptions. */
  description: string;
  /** Files placed when their content, mode or owner differ (atomically, by rename). */
  files: PlanFile[];
  /**
   * Exits 0 when what `run`/`reload` produce is already in place (packages installed, unit
   * enabled and active). A failing probe makes an otherwise unchanged step run again.
   * Runs where `set -e` is off (inside a condition): end each line that must hold with `|| exit 1`.
   */
  probe?: string;
  /**
   * Checks the new files in place before anything uses them (`promtool check config ...`).
   * When it fails, the previous files are restored and the step fails: no half-configured host.
   * Runs in a subshell with `set -e`: any failing line fails the check, and `exit` is safe.
   */
  validate?: string;
  /** Idempotent command run when the step changed: install packages, enable units. */
  run?: string;
  /** Makes running services pick up the change (`systemctl reload-or-restart x`). */
  reload?: string;
}

/** Everything one host receives, in order. */
export interface HostPlan {
  host: string;
  roles: Role[];
  steps: PlanStep[];
}

/** Facts a plan needs that are not in the spec: where the hosts are. */
export interface PlanContext {
  /**
   * Each host's address on the private network (the VPC address of a droplet, the private
   * address of an existing server, 127.0.0.1 for the local target), by host name. Services bind
   * to 127.0.0.1 and this address only; the hub scrapes nodes at it.
   */
  privateAddress: Record<string, string>;
}

/** What a role module contributes to a host: steps in the order they must run. */
export type RoleSteps = (spec: Spec, host: Host, ctx: PlanContext) => PlanStep[];

/** The ordered plan of one host: node role (with the agent), then hub role. */
export function planForHost(spec: Spec, hostName: string, ctx: PlanContext): HostPlan {
  const host = spec.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(`no host named "${hostName}" in the spec (hosts: ${spec.hosts.map((h) => h.name).join(", ")})`);
  const steps = [
    ...(host.roles.includes("node") ? [...nodeRoleSteps(spec, host, ctx), ...agentSteps(spec, host, ctx)] : []),
    ...(host.roles.includes("hub") ? hubRoleSteps(spec, host, ctx) : []),
  ];
  const seen = new Set<string>();
  for (const step of steps) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(step.id)) throw new Error(`plan step id "${step.id}" is not [a-z0-9-]+`);
    if (seen.has(step.id)) throw new Error(`plan step id "${step.id}" appears twice on host ${hostName}`);
    seen.add(step.id);
  }
  return { host: host.name, roles: [...host.roles], steps };
}

/** Content hash of a step: its identity, so an unchanged step is skipped and a changed one re-runs. */
export function stepHash(step: PlanStep): string {
  const canonical = JSON.stringify([
    step.id,
    step.description,
    step.files.map((f) => [f.path, f.mode, f.owner, f.content ?? null, f.secret ?? null]),
    step.probe ?? null,
    step.validate ?? null,
    step.run ?? null,
    step.reload ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Names of the secrets a step's files need. */
export const stepSecrets = (step: PlanStep): string[] =>
  [...new Set(step.files.flatMap((f) => (f.secret ? [f.secret] : [])))].sort();

/**
 * Addresses for planning without a cloud: existing servers use their own; droplets, whose VPC
 * addresses DigitalOcean assigns at creation, get stand-ins from vpc.ipRange (.2, .3, ... in host
 * order) so `vigil render` output is complete and stable. `pulumi up` uses the real ones.
 */
export function offlineContext(spec: Spec): PlanContext {
  const [network] = spec.vpc.ipRange.split("/") as [string];
  const base = network.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const privateAddress: Record<string, string> = {};
  spec.hosts.forEach((host, i) => {
    const n = (base + 2 + i) >>> 0;
    privateAddress[host.name] =
      host.existing?.privateAddress ?? host.existing?.address ?? [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  });
  return { privateAddress };
}

/** Every host at 127.0.0.1: the local target, where all roles share one machine. */
export const loopbackContext = (spec: Spec): PlanContext => ({
  privateAddress: Object.fromEntries(spec.hosts.map((h) => [h.name, "127.0.0.1"])),
});

/** Applies `--address HOST=IP` overrides to `ctx`; returns an error message, or undefined. */
export function applyAddressOverrides(spec: Spec, ctx: PlanContext, pairs: readonly string[]): string | undefined {
  for (const pair of pairs) {
    const [host, ip] = pair.split("=");
    if (host === undefined || ip === undefined || !spec.hosts.some((h) => h.name === host) || isIP(ip) === 0) {
      return `--address ${pair}: expected HOST=IP with a host of the spec`;
    }
    ctx.privateAddress[host] = ip;
  }
  return undefined;
}
