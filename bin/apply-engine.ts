// The apply engine: runs one host's plan over real SSH with exactly the protocol the Pulumi
// component uses (provisioning/step-script.ts): upload stagedFiles(step) to stageDir(step), run
// stepCommand(step) with secretsStdin(step, ...) on stdin, read `vigil-step: changed|unchanged`
// from the last line. Steps are idempotent and content-addressed, so re-running converges, and so
// does a run that was cut off half way (the interrupted step simply runs again). Used by
// `vigil apply` and `vigil local up`; also the secret naming (VIGIL_SECRET_*) both read.
import { stepSecrets, type HostPlan } from "../provisioning/plan.ts";
import { secretsStdin, stageDir, stagedFiles, stepCommand } from "../provisioning/step-script.ts";
import { sshRun, uploadTree, type SshTarget } from "./ssh-transport.ts";

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
  failure?: { step: string; command: string; exitCode: number; stderr: string; stdout: string };
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
    const command = stepCommand(step);
    onStart?.(`[${String(i + 1).padStart(String(n).length)}/${n}] ${step.id.padEnd(width)}  running…`);
    const progress = (status: StepStatus) => {
      const seconds = (performance.now() - started) / 1000;
      steps.push({ id: step.id, status, seconds });
      out(`[${String(i + 1).padStart(String(n).length)}/${n}] ${step.id.padEnd(width)}  ${status.padEnd(9)} ${fmtSeconds(seconds)}`);
    };
    const fail = (exitCode: number, stderr: string, stdout: string, cmd = command): ApplyOutcome => {
      progress("failed");
      return { host: plan.host, steps, seconds: (performance.now() - t0) / 1000, failure: { step: step.id, command: cmd, exitCode, stderr, stdout } };
    };
    let stdin: string;
    try {
      stdin = secretsStdin(step, secrets);
    } catch (err) {
      return fail(1, `${(err as Error).message}\n`, "", "(not run)");
    }
    const upload = await uploadTree(target, stageDir(step), stagedFiles(step));
    if (upload.code !== 0) return fail(upload.code, upload.stderr, upload.stdout, `upload to ${stageDir(step)}`);
    const r = await sshRun(target, command, { stdin });
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
    `  remote stderr:`,
    f.stderr.trim() ? tail(f.stderr) : "    (empty)",
    ...(f.stdout.trim() ? ["  remote stdout (last lines):", tail(f.stdout)] : []),
  ].join("\n");
}
