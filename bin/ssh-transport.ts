// Running commands on a host over real SSH, with the system `ssh` client.
//
// - A command string travels as ONE ssh argument, exactly as given: ssh hands it to the remote
//   user's shell unchanged, so there is exactly one layer of shell parsing (the remote one).
// - BatchMode (never prompts), StrictHostKeyChecking=accept-new into a known_hosts file vigil
//   owns (first contact records the key, a changed key is refused), and a ControlMaster socket so
//   the dozens of calls of one apply share one TCP + key exchange.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { shq } from "../provisioning/shell-quote.ts";

export interface SshTarget {
  user: string;
  host: string;
  port: number;
  /** Private key file; without it ssh uses the agent and ~/.ssh defaults. */
  identity?: string;
  /** The known_hosts file vigil owns for this target. */
  knownHosts: string;
}

/** Parses `ssh://USER@ADDR:PORT` (port optional, 22). Returns an error message for anything else. */
export function parseSshUrl(url: string): Omit<SshTarget, "knownHosts"> | { error: string } {
  const m = /^ssh:\/\/([a-z_][a-z0-9_.-]*)@(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::([0-9]{1,5}))?\/?$/.exec(url);
  if (!m) return { error: `target "${url}" is not ssh://USER@ADDR:PORT` };
  const port = m[3] === undefined ? 22 : Number(m[3]);
  if (port < 1 || port > 65535) return { error: `target "${url}": port ${port} is out of range` };
  return { user: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ""), port };
}

/** vigil's own known_hosts for `vigil apply` (XDG config dir). */
export const defaultKnownHosts = (): string =>
  join(process.env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), "vigil", "known_hosts");

/** ControlMaster sockets live under a short path: a unix socket path is limited to 108 bytes. */
function controlDir(): string {
  const dir = join(tmpdir(), `vigil-ssh-${process.getuid?.() ?? "u"}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The ssh options every call uses, ending with the destination. */
export function sshArgs(t: SshTarget, extra: string[] = []): string[] {
  mkdirSync(dirname(t.knownHosts), { recursive: true, mode: 0o700 });
  return [
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=accept-new",
    "-o", `UserKnownHostsFile=${t.knownHosts}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "ControlMaster=auto",
    "-o", `ControlPath=${join(controlDir(), "%C")}`,
    "-o", "ControlPersist=60",
    "-o", "ConnectTimeout=10",
    "-o", "ServerAliveInterval=10",
    "-o", "ServerAliveCountMax=3",
    "-o", "LogLevel=ERROR",
    ...(t.identity ? ["-o", "IdentitiesOnly=yes", "-i", t.identity] : []),
    "-p", String(t.port),
    "-l", t.user,
    ...extra,
    t.host,
  ];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string | Buffer;
  /** Kills ssh after this long (ms); the result then has code 124. */
  timeoutMs?: number;
  /** Called with each chunk of remote stdout as it arrives. */
  onStdout?: (chunk: string) => void;
}

/** Runs `command` on the target (one ssh argument, parsed once by the remote shell). */
export function sshRun(t: SshTarget, command: string, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn("ssh", [...sshArgs(t), "--", command], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGTERM");
        }, opts.timeoutMs)
      : undefined;
    child.stdout.on("data", (b: Buffer) => {
      out.push(b);
      opts.onStdout?.(b.toString("utf8"));
    });
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.stdin.on("error", () => {}); // the remote side may exit before reading all of stdin
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 127, stdout: "", stderr: `cannot run ssh: ${e.message}` });
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      resolve({
        code: timedOut ? 124 : code ?? (signal ? 255 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: timedOut ? `${stderr}timed out after ${opts.timeoutMs} ms\n` : stderr,
      });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}

/** Closes the shared connection (ControlMaster) to the target, if one is open. */
export function sshClose(t: SshTarget): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn("ssh", [...sshArgs(t, ["-O", "exit"])], { stdio: "ignore" });
    child.on("error", () => resolve());
    child.on("close", () => resolve());
  });
}
