// A real OpenSSH server on a loopback port, owned by the test (Debian's openssh-server, which
// .ci/run installs): the hub commands' SSH forwards are tested over real SSH without booting a
// container. It accepts one generated key for the current user.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { createConnection } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { SshTarget } from "../../bin/ssh-transport.ts";
import { freePort } from "../node-role/helpers.ts";

export interface TestSshd {
  target: SshTarget;
  stop(): Promise<void>;
}

const answers = (port: number) =>
  new Promise<boolean>((done) => {
    const s = createConnection({ port, host: "127.0.0.1" });
    s.once("connect", () => (s.destroy(), done(true)));
    s.once("error", () => done(false));
  });

export async function startSshd(): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-sshd-"));
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host")]);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "client")]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client.pub")));
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation directory
  const port = await freePort();
  const child: ChildProcess = spawn(
    "/usr/sbin/sshd",
    [
      "-D", "-e", "-f", "/dev/null", "-p", String(port),
      "-o", "ListenAddress=127.0.0.1",
      "-o", `HostKey=${join(dir, "host")}`,
      "-o", `AuthorizedKeysFile=${join(dir, "authorized_keys")}`,
      "-o", "StrictModes=no",
      "-o", "PidFile=none",
      "-o", "UsePAM=no",
      "-o", "PermitRootLogin=prohibit-password",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
  for (let i = 0; i < 100 && !(await answers(port)); i++) await sleep(50);
  if (!(await answers(port))) throw new Error(`sshd did not start: ${log}`);
  return {
    target: { user: userInfo().username, host: "127.0.0.1", port, identity: join(dir, "client"), knownHosts: join(dir, "known_hosts") },
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
