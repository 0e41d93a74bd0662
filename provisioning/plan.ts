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
  /**
   * With `secret`: the file is not the secret itself but `template` with every
   * DERIVED_PLACEHOLDER replaced by hex HMAC-SHA256(secret value, `label`), computed at apply
   * time (step-script.ts secretsStdin). One spec secret so gives each machine its own credential
   * (CrowdSec's machine passwords and bouncer keys): a host receives only the values derived for
   * it, and neither the plan nor the step script ever holds one.
   */
  derived?: { label: string; template: string };
}

/** Where a derived secret file's template takes the derived value (64 hex digits). */
export const DERIVED_PLACEHOLDER = "__VIGIL_DERIVED_SECRET__";

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
    // A derived file's label and template join the identity only where they exist, so every
    // other step keeps the hash (and the state on hosts) it had before derived files existed.
    step.files.map((f) => [f.path, f.mode, f.owner, f.content ?? null, f.secret ?? null, ...(f.derived ? [f.derived.label, f.derived.template] : [])]),
    step.probe ?? null,
    step.validate ?? null,
    step.run ?? null,
    step.reload ?? null,
  ]);
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Names of the spec secrets a step's files need (a derived file needs the secret it derives from). */
export const stepSecrets = (step: PlanStep): string[] =>
  [...new Set(step.files.flatMap((f) => (f.secret ? [f.secret] : [])))].sort();

/**
 * The name a secret file's value travels under on the step's stdin (and its file name under the
 * step's $secrets): the spec secret's own name, or for a derived file that name plus a digest of
 * its label and template (still [A-Za-z][A-Za-z0-9_]*; different files, different names).
 */
export function secretInputName(f: PlanFile): string {
  if (f.secret === undefined) throw new Error(`${f.path} is not a secret file`);
  if (f.derived === undefined) return f.secret;
  return `${f.secret}_d${createHash("sha256").update(JSON.stringify([f.derived.label, f.derived.template])).digest("hex").slice(0, 16)}`;
}

/** The stdin names of a step's secret files, sorted, each once. */
export const stepSecretInputs = (step: PlanStep): string[] =>
  [...new Set(step.files.flatMap((f) => (f.secret !== undefined ? [secretInputName(f)] : [])))].sort();
