// The plan model: what a host receives, as ordered, idempotent steps. Pure data; step-script.ts
// turns a step into the one shell script that Pulumi and `vigil apply` both run. This module
// imports no role: the roles import it, and host-plan.ts composes them.
import { createHash } from "node:crypto";
import type { Host, Role, Spec } from "../schema/spec-schema.ts";

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
