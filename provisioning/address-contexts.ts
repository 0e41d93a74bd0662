// Plan contexts: where the hosts are, for planning. Offline (vigil render/apply, Pulumi preview)
// the addresses are stand-ins; the local target puts every host on 127.0.0.1; `--address`
// overrides one. The helpers that read a context are in addresses.ts.
import { isIP } from "node:net";
import type { Spec } from "../schema/spec-schema.ts";
import type { PlanContext } from "./plan.ts";

/**
 * Addresses for planning without a cloud: existing servers use their own; droplets, whose VPC
 * addresses DigitalOcean assigns at creation, get stand-ins from vpc.ipRange (.2, .3, ... in host
 * order) so `vigil render` output is complete and stable. `pulumi up` uses the real ones.
 */
export function offlineContext(spec: Spec): PlanContext {
  const [network] = spec.vpc.ipRange.split("/") as [string];
  const base = network.split(".").reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  const privateAddress: Record<string, string> = {};
  spec.hosts.forEach((host, i) => {
    const n = (base + 2 + i) >>> 0;
    privateAddress[host.name] =
      host.existing?.privateAddress ?? host.existing?.address ?? [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
  });
  return { privateAddress };
}

/** Every host at 127.0.0.1: the local target, where all roles share one machine. */
export const loopbackContext = (spec: Spec): PlanContext => ({
  privateAddress: Object.fromEntries(spec.hosts.map((h) => [h.name, "127.0.0.1"])),
});

/** Applies `--address HOST=IP` overrides to `ctx`; returns an error message, or undefined. */
export function applyAddressOverrides(spec: Spec, ctx: PlanContext, pairs: readonly string[]): string | undefined {
  for (const pair of pairs) {
    const [host, ip] = pair.split("=");
    if (host === undefined || ip === undefined || !spec.hosts.some((h) => h.name === host) || isIP(ip) === 0) {
      return `--address ${pair}: expected HOST=IP with a host of the spec`;
    }
    ctx.privateAddress[host] = ip;
  }
  return undefined;
}
