// The resource graph of a spec, computed offline: the Pulumi program under
// pulumi.runtime.setMocks, no CLI, no DigitalOcean API. Used by `vigil plan` and `vigil check`.
//
// Several calls in one process are fine: calls are serialized (the Pulumi runtime's state is
// process-global), and each call installs fresh mocks and waits until every registration of its
// own program has finished before returning.
import * as pulumi from "@pulumi/pulumi";
import { offlineContext } from "../provisioning/address-contexts.ts";
import type { Spec } from "../schema/spec-schema.ts";
import type { HostPlanner } from "../provisioning/host-plan.ts";
import { buildVigil } from "./program.ts";
import { vcpusOfSize } from "./monitor-window.ts";

/** One resource the program would create. */
export interface CloudResource {
  /** Pulumi type token (`digitalocean:index/droplet:Droplet`, `vigil:index:Network`, ...). */
  type: string;
  /** Resource name. */
  name: string;
  /** Resource URN (stack = the spec's environment, project `vigil`). */
  urn: string;
  /** Inputs as the engine receives them; a secret value is the string "[secret]". */
  inputs: Record<string, unknown>;
}

export interface CloudPreviewOptions {
  /** Host planner (tests); default provisioning/host-plan.ts planForHost. */
  planHost?: HostPlanner;
  /** Secret values by name (default `<NAME>` placeholders); never shown unless revealSecrets. */
  secrets?: Record<string, string>;
  /**
   * Keep secret values, as `{ "[secret]": value }` instead of the string "[secret]" (tests that
   * check what a secret stdin carries). Default false.
   */
  revealSecrets?: boolean;
  /**
   * Plan as `pulumi preview` of a new stack sees it: droplet addresses (and the steps and checks
   * that use them) are unknown, shown as "[unknown]". Default false: stand-in addresses.
   */
  preview?: boolean;
  /** When given, filled with each resource's dependencies (URN → URNs it waits for). */
  dependencies?: Map<string, string[]>;
}

/** The redaction of a secret input in CloudResource.inputs. */
export const SECRET = "[secret]";
/** An input not known until `pulumi up` creates what it depends on (preview only). */
export const UNKNOWN = "[unknown]";

/** Public stand-in addresses of droplets under mocks (TEST-NET-1, never routed). */
const standInPublicAddress = (i: number) => `192.0.2.${(i % 250) + 1}`;

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

let queue: Promise<unknown> = Promise.resolve();

/** The resources `pulumi up` would create for the spec, in registration order. */
export function previewCloudResources(spec: Spec, opts: CloudPreviewOptions = {}): Promise<CloudResource[]> {
  const run = queue.then(() => planOnce(spec, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function planOnce(spec: Spec, opts: CloudPreviewOptions): Promise<CloudResource[]> {
  const privateAddress = offlineContext(spec).privateAddress;
  const dropletHosts = new Map(spec.hosts.map((h, i) => [`${spec.project}-${spec.environment}-${h.name}`, { host: h, i }]));
  const records: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  const failures: unknown[] = [];

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        records.push({ type: args.type, name: args.name, inputs: args.inputs });
        // Nothing reads a command's outputs; echoing its inputs (the steps' files) back would only
        // copy every file through the runtime once more.
        const state: Record<string, unknown> = args.type.startsWith("command:") ? {} : { ...args.inputs };
        let id = `${args.name}-id`;
        if (args.type === "digitalocean:index/droplet:Droplet") {
          const entry = dropletHosts.get(String(args.inputs.name));
          const i = entry?.i ?? 0;
          id = String(100000 + i);
          const unknown = pulumi.runtime.unknownValue;
          Object.assign(state, {
            ipv4Address: opts.preview ? unknown : standInPublicAddress(i),
            ipv4AddressPrivate: opts.preview ? unknown : entry ? privateAddress[entry.host.name] : "10.255.255.254",
            dropletUrn: opts.preview ? unknown : `do:droplet:${id}`,
            vcpus: vcpusOfSize(String(args.inputs.size)) ?? 1,
          });
        }
        return { id: args.custom ? id : undefined, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "vigil",
    spec.environment,
    opts.preview ?? false,
  );

  const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
  const dependencies = new Map<string, string[]>();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    dependencies.set(`${req.getType()}::${req.getName()}`, req.getDependenciesList());
    return register(req, callback);
  };

  const onRejection = (reason: unknown) => failures.push(reason);
  process.on("unhandledRejection", onRejection);
  // The Pulumi SDK takes `new Error().stack` for every resource and promise it tracks; with
  // source maps on (tsx turns them on) each of those costs a source-map lookup per frame, which
  // was most of the time of a large plan. Nothing here prints those stacks, so they are also cut
  // to one frame (the SDK raises the limit itself where it needs a resource's source position).
  const sourceMaps = process.sourceMapsEnabled;
  const stackTraceLimit = Error.stackTraceLimit;
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 1;
  try {
    const secretValue = (name: string) => pulumi.secret(opts.secrets?.[name] ?? `<${name}>`);
    buildVigil({ spec, secret: secretValue, sshPrivateKey: secretValue("sshPrivateKey"), planHost: opts.planHost });
    await waitForRegistrations();
  } finally {
    process.setSourceMapsEnabled(sourceMaps);
    Error.stackTraceLimit = stackTraceLimit;
    process.off("unhandledRejection", onRejection);
  }
  if (failures.length > 0) {
    const first = failures[0];
    throw first instanceof Error ? first : new Error(String(first));
  }

  const urns = new Map<string, string>();
  for (const urn of monitor.getRegisteredResources().keys()) {
    const parts = urn.split("::");
    const type = parts[parts.length - 2]!.split("$").pop()!;
    urns.set(`${type}::${parts[parts.length - 1]}`, urn);
  }
  if (opts.dependencies) {
    for (const [key, deps] of dependencies) {
      const urn = urns.get(key);
      if (urn) opts.dependencies.set(urn, deps);
    }
  }
  return records.map((r) => ({
    type: r.type,
    name: r.name,
    urn: urns.get(`${r.type}::${r.name}`) ?? "",
    inputs: redact(r.inputs, opts.revealSecrets ?? false) as Record<string, unknown>,
  }));
}

/** The parts of @pulumi/pulumi's MockMonitor used here. */
interface MockMonitor {
  registerResource(req: { getType(): string; getName(): string; getDependenciesList(): string[] }, callback: unknown): unknown;
  getRegisteredResources(): Map<string, unknown>;
}

/** Waits until the runtime's queue of resource registrations has drained. */
async function waitForRegistrations(): Promise<void> {
  // waitForRPCs is exported by @pulumi/pulumi's runtime (settings.ts) but marked internal, so
  // its type is not published; it is what `pulumi.runtime.disconnect()` waits on.
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs !== "function") throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs");
  await runtime.waitForRPCs();
}

const isUnknownValue = (value: unknown): boolean => value === pulumi.runtime.unknownValue || pulumi.isUnknown(value);

/** Secret-wrapped values become "[secret]" (or `{ "[secret]": value }`); assets become their text. */
function redact(value: unknown, reveal: boolean): unknown {
  if (pulumi.Output.isInstance(value) || isUnknownValue(value)) return UNKNOWN;
  if (Array.isArray(value)) return value.map((v) => redact(v, reveal));
  if (pulumi.asset.StringAsset.isInstance(value)) return { text: (value as unknown as { text: Promise<string> }).text };
  if (typeof value === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return reveal ? { [SECRET]: redact(obj.value, reveal) } : SECRET;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redact(v, reveal)]));
  }
  return value;
}
