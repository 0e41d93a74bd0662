// The hub of a deployed environment, from its Pulumi stack: `vigil status|silence|report <spec>
// --stack NAME` reads the stack's `hosts` output as the Pulumi CLI prints it
// (`pulumi stack output hosts --json --stack NAME`; index.ts exports it, components/program.ts
// builds it: `{ [host]: { publicAddress, privateAddress, roles } }`) and reaches the hosts whose
// roles include `hub` over the same SSH transport as `--target`. The stack knows the addresses;
// the spec knows the rest of the SSH target (the login user `access.user`, the SSH port of an
// `existing` host, 22 for a droplet), so a hub the spec does not list is refused: that stack
// deploys another spec.
//
// The stack output is read as untrusted data: an address becomes one argument of `ssh` (never a
// shell line) and only after it passed the same host-or-address check as spec values, so a value
// like `-oProxyCommand=...` or `1.2.3.4;reboot` is refused, never run.
import { spawn } from "node:child_process";
import type { Spec } from "../schema/spec-schema.ts";
import { isHostOrAddress } from "../schema/value-formats.ts";
import { HubUnreachable } from "./hub-connection.ts";
import type { SshTarget } from "./ssh-transport.ts";

/** The stack output the hub commands read (index.ts `export const hosts`). */
export const HOSTS_OUTPUT = "hosts";

/** One host of the `hosts` output. */
export interface StackHost {
  publicAddress: string;
  privateAddress: string;
  roles: string[];
}

/** A stack name as `pulumi --stack` takes it: `stack`, `org/stack` or `org/project/stack`. */
const STACK_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){0,2}$/;

/** Why `--stack` gave no hub: the commands print it and exit 2, like an unreachable hub. */
export class StackHostsError extends HubUnreachable {}

/** Why `stack` is not a stack name `pulumi --stack` takes (a bad argument: exit 1), if it is not. */
export function stackNameProblem(stack: string): string | undefined {
  return STACK_NAME.test(stack) && !stack.startsWith("-") && !stack.startsWith(".")
    ? undefined
    : `--stack ${JSON.stringify(stack)} is not a Pulumi stack name (letters, digits, _ . -; optionally org/[project/]stack)`;
}

/** The `pulumi` arguments that print the stack's hosts. */
export function stackOutputArgs(stack: string): string[] {
  const problem = stackNameProblem(stack);
  if (problem) throw new StackHostsError(problem);
  return ["stack", "output", HOSTS_OUTPUT, "--json", "--stack", stack];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const printable = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/** The `hosts` output, checked field by field; throws StackHostsError naming the bad value. */
export function parseStackHosts(stack: string, text: string): Record<string, StackHost> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new StackHostsError(`stack ${stack}: \`pulumi stack output ${HOSTS_OUTPUT} --json\` did not print JSON: ${printable(text.trim())}`);
  }
  if (!isRecord(data)) throw new StackHostsError(`stack ${stack}: output "${HOSTS_OUTPUT}" is not a map of hosts: ${printable(data)}`);
  const hosts: Record<string, StackHost> = {};
  for (const [name, value] of Object.entries(data)) {
    const where = `stack ${stack}: ${HOSTS_OUTPUT}.${printable(name)}`;
    if (!isRecord(value)) throw new StackHostsError(`${where} is not { publicAddress, privateAddress, roles }`);
    const { publicAddress, privateAddress, roles } = value;
    for (const [field, address] of [["publicAddress", publicAddress], ["privateAddress", privateAddress]] as const) {
      // A secret output prints as "[secret]" without --show-secrets: also refused here, with its value.
      if (typeof address !== "string" || !isHostOrAddress(address)) {
        throw new StackHostsError(`${where}.${field}: ${printable(address)} is not an IP address or host name`);
      }
    }
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === "string")) throw new StackHostsError(`${where}.roles is not a list of roles`);
    hosts[name] = { publicAddress: publicAddress as string, privateAddress: privateAddress as string, roles };
  }
  return hosts;
}

/**
 * The SSH targets of the stack's hubs, in the spec's host order (a pair: the first that answers).
 * Throws StackHostsError when the stack has no hub or one the spec does not list.
 */
export function stackHubTargets(
  spec: Spec,
  stack: string,
  hosts: Record<string, StackHost>,
  common: { identity?: string; knownHosts: string },
): SshTarget[] {
  const hubs = Object.entries(hosts).filter(([, h]) => h.roles.includes("hub"));
  if (hubs.length === 0) throw new StackHostsError(`stack ${stack}: no host in output "${HOSTS_OUTPUT}" has the hub role`);
  const order = (name: string) => spec.hosts.findIndex((h) => h.name === name);
  const stranger = hubs.find(([name]) => order(name) < 0);
  if (stranger) {
    throw new StackHostsError(`stack ${stack}: hub ${printable(stranger[0])} is not a host of ${spec.environment}'s spec: does this stack deploy that spec?`);
  }
  return hubs
    .sort(([a], [b]) => order(a) - order(b))
    .map(([name, h]) => ({
      user: spec.access.user,
      host: h.publicAddress,
      port: spec.hosts[order(name)]!.existing?.port ?? 22,
      ...(common.identity ? { identity: common.identity } : {}),
      knownHosts: common.knownHosts,
    }));
}

/**
 * Runs `pulumi stack output hosts --json --stack NAME` (in the current directory, the Pulumi
 * project's, like `pulumi up`) and returns what it printed. No update check: it would reach out
 * to the internet on every status call.
 */
export function readStackHostsText(stack: string, signal?: AbortSignal, timeoutMs = 60_000): Promise<string> {
  const args = stackOutputArgs(stack);
  return new Promise((resolvePromise, reject) => {
    const child = spawn("pulumi", args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
      timeout: timeoutMs,
      ...(signal ? { signal } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new StackHostsError(`cannot run pulumi: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolvePromise(Buffer.concat(out).toString("utf8"));
      const why = Buffer.concat(err).toString("utf8").trim().split("\n").filter(Boolean).at(-1) ?? (signal ? `killed by ${signal}` : `exit ${code}`);
      reject(new StackHostsError(`stack ${stack}: \`pulumi ${args.join(" ")}\` failed: ${why}`));
    });
  });
}
