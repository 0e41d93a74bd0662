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

/** A file to upload: path relative to the upload directory. */
export interface UploadFile {
  path: string;
  mode: string;
  content: string | Buffer;
}

/**
 * Uploads files into `remoteDir` as one tar stream. The tree is unpacked next to the target and
 * renamed into place, so `remoteDir` either holds the whole tree or is left as it was.
 */
export async function uploadTree(t: SshTarget, remoteDir: string, files: UploadFile[]): Promise<RunResult> {
  const q = shq(remoteDir);
  const partial = shq(`${remoteDir}.partial`);
  const command =
    `set -e; rm -rf ${partial}; mkdir -p ${partial}; ` +
    `tar -x --no-same-owner -C ${partial} -f -; ` +
    `rm -rf ${q}; mv ${partial} ${q}`;
  return sshRun(t, command, { stdin: tarArchive(files) });
}

/** A ustar archive of regular files (directories are implied by paths). */
export function tarArchive(files: UploadFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const body = typeof f.content === "string" ? Buffer.from(f.content, "utf8") : f.content;
    const [prefix, name] = splitUstarName(f.path);
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write(octal(Number.parseInt(f.mode, 8), 8), 100);
    header.write(octal(0, 8), 108);
    header.write(octal(0, 8), 116);
    header.write(octal(body.length, 12), 124);
    header.write(octal(0, 12), 136);
    header.write("        ", 148); // checksum placeholder: eight spaces
    header.write("0", 156);
    header.write("ustar\u000000", 257, "latin1");
    header.write(prefix, 345, 155, "utf8");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, "latin1");
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const octal = (n: number, width: number): string => `${n.toString(8).padStart(width - 1, "0")}\u0000`;

/** ustar keeps a path as prefix (155 bytes) + "/" + name (100 bytes). */
function splitUstarName(path: string): [string, string] {
  if (Buffer.byteLength(path) <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`path too long to upload: ${path}`);
}
