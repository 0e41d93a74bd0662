// The apply engine: runs one host's plan over real SSH with exactly the commands the Pulumi
// component runs (stepRemoteCommands: the stage upload of components/stage-upload.ts, then
// stepCommand(step) with secretsStdin(step, ...) on stdin, both under `sudo -n` when the login
// user is not root), and reads `vigil-step: changed|unchanged` from the last line. Steps are idempotent and content-addressed, so re-running converges, and so
// does a run that was cut off half way (the interrupted step simply runs again). Used by
// `vigil apply` and `vigil local up`; also the secret naming (VIGIL_SECRET_*) both read.
import { stepSecrets, type HostPlan, type PlanStep } from "../provisioning/plan.ts";
import { secretsStdin, stageDir, stepCommand } from "../provisioning/step-script.ts";
import { stageUploadCommand, stageUploadStdin } from "../components/stage-upload.ts";
import { sshRun, type SshTarget } from "./ssh-transport.ts";

export type StepStatus = "changed" | "unchanged" | "failed";

export interface StepOutcome {
  id: string;
  status: StepStatus;
  seconds: number;
}

export interface ApplyOutcome {
  host: string;
  steps: StepOutcome[];
  seconds: number;
  /** Set when a step failed; later steps did not run. */
  failure?: { step: string; command: string; exitCode: number; stderr: string; stdout: string; hint?: string };
}

/** The two remote commands of a step: the same text as Pulumi's `<host>-<step>-stage` and `<host>-<step>`. */
export interface StepRemoteCommands {
  upload: { command: string; stdin: string };
  run: { command: string };
}

/**
 * What runs on the host for a step when `user` logs in: the stage upload (files on stdin) and the
 * step script. A user other than root needs root for both (they write /var/lib/vigil and /etc),
 * through `sudo -n`, which fails instead of prompting: the same rule as the Pulumi component.
 */
export function stepRemoteCommands(step: PlanStep, user: string): StepRemoteCommands {
  const sudo = { sudo: user !== "root" };
  return {
    upload: { command: stageUploadCommand(step, sudo), stdin: stageUploadStdin(step) },
    run: { command: stepCommand(step, sudo) },
  };
}

/** A hint for the remote errors a new user meets first: sudo wants a password, sudo is missing. */
export function remoteFailureHint(user: string, exitCode: number, stderr: string): string | undefined {
  if (user === "root") return undefined;
  if (/sudo: (a password is required|a terminal is required)/.test(stderr)) {
    return (
      `${user} needs passwordless sudo: vigil runs every step with \`sudo -n\`, which refuses to ask for a password. ` +
      `On the host, as root: echo '${user} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/vigil-${user} && chmod 0440 /etc/sudoers.d/vigil-${user} ` +
      `(or apply as root)`
    );
  }
  if (/sudo: (command )?not found/.test(stderr) || (exitCode === 127 && /sudo/.test(stderr))) {
    return `sudo is not installed on the host; ${user} needs it to run steps as root (apt-get install sudo, as root), or apply as root`;
  }
  if (/is not in the sudoers file|is not allowed to execute/.test(stderr)) {
    return `${user} may not run commands as root with sudo; add a sudoers rule (NOPASSWD) for ${user}, or apply as root`;
  }
  return undefined;
}

/** `slackWebhook` → `VIGIL_SECRET_SLACK_WEBHOOK`. */
export const secretEnvName = (name: string): string =>
  `VIGIL_SECRET_${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toUpperCase()}`;

/** The names of the secrets the plan needs that have no value in `env`, with their variables. */
export function missingSecrets(plan: HostPlan, env: NodeJS.ProcessEnv): string[] {
  const names = [...new Set(plan.steps.flatMap(stepSecrets))].sort();
  return names.filter((n) => env[secretEnvName(n)] === undefined).map((n) => `${n} (${secretEnvName(n)})`);
}

/** Secret values by spec name, from VIGIL_SECRET_* variables. */
export function secretsFromEnv(plan: HostPlan, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const names = [...new Set(plan.steps.flatMap(stepSecrets))];
  return Object.fromEntries(names.map((n) => [n, env[secretEnvName(n)]]));
}

const fmtSeconds = (s: number) => `${s.toFixed(1)}s`;

/**
 * Applies a host plan step by step; `out` receives one progress line per step (and the files a
 * changed step wrote). Stops at the first failed step.
 */
export async function applyHostPlan(
  plan: HostPlan,
  target: SshTarget,
  secrets: Readonly<Record<string, string | undefined>>,
  out: (line: string) => void,
  /** Called when a step starts (a terminal shows it until its progress line replaces it). */
  onStart?: (label: string) => void,
): Promise<ApplyOutcome> {
  const t0 = performance.now();
  const steps: StepOutcome[] = [];
  const width = Math.max(0, ...plan.steps.map((s) => s.id.length));
  const n = plan.steps.length;
  for (const [i, step] of plan.steps.entries()) {
    const started = performance.now();
    const command = stepRemoteCommands(step, target.user);
    onStart?.(`[${String(i + 1).padStart(String(n).length)}/${n}] ${step.id.padEnd(width)}  running…`);
    const progress = (status: StepStatus) => {
      const seconds = (performance.now() - started) / 1000;
      steps.push({ id: step.id, status, seconds });
      out(`[${String(i + 1).padStart(String(n).length)}/${n}] ${step.id.padEnd(width)}  ${status.padEnd(9)} ${fmtSeconds(seconds)}`);
    };
    const fail = (exitCode: number, stderr: string, stdout: string, cmd = command.run.command): ApplyOutcome => {
      progress("failed");
      const hint = remoteFailureHint(target.user, exitCode, stderr);
      const failure = { step: step.id, command: cmd, exitCode, stderr, stdout, ...(hint ? { hint } : {}) };
      return { host: plan.host, steps, seconds: (performance.now() - t0) / 1000, failure };
    };
    let stdin: string;
    try {
      stdin = secretsStdin(step, secrets);
    } catch (err) {
      return fail(1, `${(err as Error).message}\n`, "", "(not run)");
    }
    const upload = await sshRun(target, command.upload.command, { stdin: command.upload.stdin });
    if (upload.code !== 0) return fail(upload.code, upload.stderr, upload.stdout, `upload to ${stageDir(step)}`);
    const r = await sshRun(target, command.run.command, { stdin });
    const lines = r.stdout.trimEnd().split("\n");
    const verdict = /^vigil-step: (changed|unchanged)$/.exec(lines.at(-1) ?? "")?.[1] as "changed" | "unchanged" | undefined;
    if (r.code !== 0 || verdict === undefined) return fail(r.code, r.stderr, r.stdout);
    progress(verdict);
    for (const line of lines) {
      const wrote = /^vigil-step: wrote (.+)$/.exec(line);
      if (wrote) out(`      wrote ${wrote[1]}`);
    }
  }
  return { host: plan.host, steps, seconds: (performance.now() - t0) / 1000 };
}

/** Progress output: on a terminal, the running step shows until its result line replaces it. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stdout): { out: (line: string) => void; onStart?: (label: string) => void } {
  if (!stream.isTTY) return { out: (line) => stream.write(`${line}\n`) };
  return {
    out: (line) => stream.write(`\r\x1b[K${line}\n`),
    onStart: (label) => stream.write(`\r\x1b[K${label}`),
  };
}

/** The summary line, or the failure report (step, command, exit code, remote stderr). */
export function describeOutcome(o: ApplyOutcome, where: string): string {
  const count = (s: StepStatus) => o.steps.filter((x) => x.status === s).length;
  if (!o.failure) {
    return `${o.host} (${where}): ${o.steps.length} steps, ${count("changed")} changed, ${count("unchanged")} unchanged in ${fmtSeconds(o.seconds)}`;
  }
  const f = o.failure;
  const tail = (text: string) => text.trimEnd().split("\n").slice(-30).map((l) => `    ${l}`).join("\n");
  return [
    `vigil apply: step "${f.step}" failed on ${o.host} (${where}), exit ${f.exitCode}; later steps did not run`,
    `  command: ${f.command}`,
    ...(f.hint ? [`  ${f.hint}`] : []),
    `  remote stderr:`,
    f.stderr.trim() ? tail(f.stderr) : "    (empty)",
    ...(f.stdout.trim() ? ["  remote stdout (last lines):", tail(f.stdout)] : []),
  ].join("\n");
}
