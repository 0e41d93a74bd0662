// How `vigil status`, `vigil silence` and `vigil report` get their spec and their hub: the one
// place that turns `--target` / `--stack` / the running `vigil local up` into a connection, and
// prints why when it cannot (exit 1 bad input, 2 no hub).
//
// It is also where `vigil status` wins its time budget (BENCHMARKS.md): the SSH handshake (a
// separate `ssh` process) and the spec load (YAML, ajv compile, cross-checks: CPU in this
// process) are each the largest part of a call, so the connection is started first and the
// spec loaded while ssh negotiates; with `--stack`, the `pulumi stack output` call runs while
// the spec loads. The spec modules are imported here, lazily, so nothing else in the command
// runs before ssh has started.
import type { Spec } from "../schema/spec-schema.ts";
import { connectHub, hubTargets, HubUnreachable, type Hub, type HubPorts } from "./hub-connection.ts";
import { defaultKnownHosts } from "./ssh-transport.ts";
import { parseStackHosts, readStackHostsText, stackHubTargets, stackNameProblem } from "./stack-hosts.ts";

export interface HubArgValues {
  target?: string[];
  stack?: string;
  identity?: string;
}

export interface SpecAndHub {
  spec: Spec;
  hub: Hub;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
/** A promise that never rejects (so none goes unhandled while the spec loads). */
const settle = <T>(work: () => Promise<T>): Promise<Settled<T>> =>
  Promise.resolve().then(work).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

/**
 * Loads `file` and connects to its hub. Returns the exit code instead when it cannot, having
 * printed why: 1 for bad arguments or an invalid spec (located errors; `check` may refuse the
 * command's own arguments against the spec, returning its code), 2 when no hub answers.
 * The caller closes the hub. `ports`: the hub-side ports (tests of a hub on loopback).
 */
export async function openSpecAndHub(
  command: string,
  file: string,
  values: HubArgValues,
  opts: { check?: (spec: Spec) => number | undefined; ports?: HubPorts } = {},
): Promise<SpecAndHub | number> {
  const { check, ports } = opts;
  if (values.stack !== undefined && (values.target?.length ?? 0) > 0) {
    console.error(`vigil ${command}: give --target or --stack, not both`);
    return 1;
  }
  const badStack = values.stack === undefined ? undefined : stackNameProblem(values.stack);
  if (badStack) {
    console.error(`vigil ${command}: ${badStack}`);
    return 1;
  }
  // Started before anything else is loaded: ssh (or pulumi) works in its own process meanwhile.
  // A bad spec or bad arguments end the command at once: the connection under way is dropped.
  const abandoned = new AbortController();
  const signal = abandoned.signal;
  const stack = values.stack;
  const stackText = stack === undefined ? undefined : settle(() => readStackHostsText(stack, signal));
  let hub = stack === undefined ? settle(() => connectHub({ targets: hubTargets(file, values), signal, ...(ports ? { ports } : {}) })) : undefined;
  const abandon = async (code: number) => {
    abandoned.abort();
    const h = await hub;
    if (h?.ok) await h.value.close();
    return code;
  };

  const [{ loadSpecFile }, { formatErrors }] = await Promise.all([import("../schema/load-spec.ts"), import("../schema/spec-errors.ts")]);
  const loaded = loadSpecFile(file);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.errors));
    return abandon(1);
  }
  const refused = check?.(loaded.spec);
  if (refused !== undefined) return abandon(refused);

  if (stack !== undefined && stackText !== undefined) {
    const text = await stackText;
    hub = settle(async () => {
      if (!text.ok) throw text.error;
      const hosts = parseStackHosts(stack, text.value);
      const targets = stackHubTargets(loaded.spec, stack, hosts, { identity: values.identity, knownHosts: defaultKnownHosts() });
      return connectHub({ targets, signal, ...(ports ? { ports } : {}) });
    });
  }
  const reached = await hub!;
  if (!reached.ok) {
    if (!(reached.error instanceof HubUnreachable)) throw reached.error;
    console.error(`vigil ${command}: cannot reach the hub:\n${reached.error.message.replace(/^/gm, "  ")}`);
    return 2;
  }
  return { spec: loaded.spec, hub: reached.value };
}
