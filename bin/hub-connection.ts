// Reaching a hub's Prometheus and Alertmanager from the operator's machine, for `vigil status`,
// `vigil silence` and `vigil report`. They listen on the hub's 127.0.0.1 only (no port is ever
// opened for them), so vigil forwards over the same SSH transport as `vigil apply`
// (ssh-transport.ts: BatchMode, vigil's own known_hosts, the same key): one `ssh -N` with a
// `-L` per service. The local end of each forward is a UNIX socket in a fresh 0700 directory,
// not a loopback TCP port: any local user can connect to a loopback port, and through it to an
// Alertmanager that accepts silences from anyone who reaches it.
//
// With a hub pair, the hubs are tried in order and the first whose Prometheus answers is used;
// their Alertmanagers gossip, so a silence made on one shows on the other. With no target, the
// hub of a running `vigil local up` of the same spec is used, through its SSH port.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ALERTMANAGER_PORT, PROMETHEUS_PORT } from "../provisioning/service-ports.ts";
import { lastSpecFile, localOptions, localSshTarget, localStatus, type LocalOptions } from "./local-target.ts";
import { defaultKnownHosts, parseSshUrl, sshArgs, type SshTarget } from "./ssh-transport.ts";

export type HubService = "prometheus" | "alertmanager";

/** The hub-side ports (on the hub's 127.0.0.1) the forwards reach. */
export interface HubPorts {
  prometheus: number;
  alertmanager: number;
}
export const HUB_PORTS: HubPorts = { prometheus: PROMETHEUS_PORT, alertmanager: ALERTMANAGER_PORT };

export interface HubResponse {
  status: number;
  body: string;
}

/** An open connection to one hub. */
export interface Hub {
  /** `user@host:port` of the hub this connection reached. */
  where: string;
  request(service: HubService, method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<HubResponse>;
  close(): Promise<void>;
}

/** Why no hub could be reached (exit 2 of the commands): one line per hub tried. */
export class HubUnreachable extends Error {}

/**
 * `--target` (repeatable, a pair in order) or `--stack` (a Pulumi stack's `hosts` output,
 * stack-hosts.ts), and `--identity`: the options every hub command takes.
 */
export const HUB_ARG_OPTIONS = {
  target: { type: "string", multiple: true },
  stack: { type: "string" },
  identity: { type: "string" },
} as const;

const describe = (t: SshTarget) => `${t.user}@${t.host}:${t.port}`;

/** A hub's HTTP API through a UNIX socket (the local end of an SSH forward). */
function httpOverSocket(socketPath: string, method: string, path: string, body: unknown, timeoutMs: number): Promise<HubResponse> {
  return new Promise((resolvePromise, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { host: "127.0.0.1", accept: "application/json", ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Opens `ssh -N -L sock:127.0.0.1:PORT ...` to one hub and waits until the forwards listen.
 * Its own connection (ControlPath=none): it lives exactly as long as this Hub.
 */
async function openTunnel(t: SshTarget, ports: HubPorts, timeoutMs: number, signal?: AbortSignal): Promise<Hub> {
  const dir = mkdtempSync(join(tmpdir(), "vigil-hub-")); // 0700: the sockets are ours alone
  const sockets: Record<HubService, string> = { prometheus: join(dir, "prometheus.sock"), alertmanager: join(dir, "alertmanager.sock") };
  let child: ChildProcess;
  try {
    // ssh takes the first value of an option: these come before the shared ones.
    const args = [
      "-o", "ControlMaster=no",
      "-o", "ControlPath=none",
      "-o", "ExitOnForwardFailure=yes",
      "-o", "StreamLocalBindMask=0177",
      ...sshArgs(t, [
        "-N",
        "-L", `${sockets.prometheus}:127.0.0.1:${ports.prometheus}`,
        "-L", `${sockets.alertmanager}:127.0.0.1:${ports.alertmanager}`,
      ]),
    ];
    child = spawn("ssh", args, { stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    // sshArgs creates the known_hosts directory and spawn refuses bad arguments synchronously:
    // neither may leave the socket directory behind.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stderr = "";
  let exited: number | null | undefined;
  child.stderr!.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  child.on("exit", (code) => (exited = code ?? 255));
  child.on("error", (e) => {
    stderr += `cannot run ssh: ${e.message}`;
    exited = 127;
  });
  const close = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      for (let i = 0; i < 50 && exited === undefined; i++) await sleep(20);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(sockets.prometheus) && existsSync(sockets.alertmanager))) {
    if (signal?.aborted) {
      await close();
      throw new HubUnreachable(`${describe(t)}: abandoned`);
    }
    if (exited !== undefined || Date.now() > deadline) {
      await close();
      const why = stderr.trim().split("\n").filter(Boolean).at(-1) ?? (exited !== undefined ? `ssh exited ${exited}` : `no connection in ${timeoutMs} ms`);
      throw new HubUnreachable(`${describe(t)}: ${why}`);
    }
    await sleep(10);
  }
  return {
    where: describe(t),
    request: (service, method, path, body) => httpOverSocket(sockets[service], method, path, body, timeoutMs),
    close,
  };
}

export interface HubConnectOptions {
  /** Hubs in order (a pair: the first that answers). */
  targets: SshTarget[];
  ports?: HubPorts;
  /** For the SSH connection and each HTTP request. */
  timeoutMs?: number;
  /** Gives up (ssh killed, HubUnreachable) when the caller no longer needs the hub. */
  signal?: AbortSignal;
}

/** Connects to the first hub whose Prometheus answers /-/ready; throws HubUnreachable with why. */
export async function connectHub(o: HubConnectOptions): Promise<Hub> {
  const reasons: string[] = [];
  for (const t of o.targets) {
    if (o.signal?.aborted) break;
    let hub: Hub | undefined;
    try {
      hub = await openTunnel(t, o.ports ?? HUB_PORTS, o.timeoutMs ?? 10_000, o.signal);
      const ready = await hub.request("prometheus", "GET", "/-/ready");
      if (ready.status === 200) return hub;
      reasons.push(`${hub.where}: Prometheus answered ${ready.status} to /-/ready`);
    } catch (err) {
      reasons.push(err instanceof HubUnreachable ? err.message : `${describe(t)}: ${(err as Error).message}`);
    }
    await hub?.close();
  }
  throw new HubUnreachable(reasons.join("\n"));
}

/**
 * The SSH targets of the hub, from `--target` URLs, or (none given) the running local container
 * when it runs `specFile`. Throws HubUnreachable saying what to do otherwise.
 */
export function hubTargets(
  specFile: string,
  values: { target?: string[]; identity?: string },
  local: LocalOptions = localOptions(process.env, () => {}),
): SshTarget[] {
  if (values.target && values.target.length > 0) {
    return values.target.map((url) => {
      const parsed = parseSshUrl(url);
      if ("error" in parsed) throw new HubUnreachable(parsed.error);
      return { ...parsed, ...(values.identity ? { identity: values.identity } : {}), knownHosts: defaultKnownHosts() };
    });
  }
  const status = localStatus(local);
  if (!status.running) {
    throw new HubUnreachable("no --target given and no `vigil local up` container is running; give --target ssh://USER@HUB[:PORT]");
  }
  const running = existsSync(lastSpecFile(local)) ? readFileSync(lastSpecFile(local), "utf8").trim() : undefined;
  if (running !== undefined && running !== resolve(specFile)) {
    throw new HubUnreachable(`the local container runs ${running}, not ${resolve(specFile)}; give --target for that spec's hub`);
  }
  return [localSshTarget(local)];
}
