// Plan contexts: where the hosts are, for planning. Offline (vigil render/apply, Pulumi preview)
// the addresses are stand-ins; the local target puts every host on 127.0.0.1; `--address`
// overrides one. The helpers that read a context are in addresses.ts.
import { isIP } from "node:net";
import { ipv4Network, ipv4Offset } from "../schema/ip-ranges.ts";
import type { Spec } from "../schema/spec-schema.ts";
import type { PlanContext } from "./plan.ts";

/**
 * Addresses for planning without a cloud: existing servers use their own; droplets, whose VPC
 * addresses DigitalOcean assigns at creation, get stand-ins from vpc.ipRange (.2, .3, ... in host
 * order) so `vigil render` output is complete and stable. `pulumi up` uses the real ones.
 */
export function offlineContext(spec: Spec): PlanContext {
  const network = ipv4Network(spec.vpc.ipRange);
  const privateAddress: Record<string, string> = {};
  spec.hosts.forEach((host, i) => {
    privateAddress[host.name] = host.existing?.privateAddress ?? host.existing?.address ?? ipv4Offset(network, 2 + i);
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
    // Exactly one "=": with split's first two parts only, HOST=IP=junk passed as HOST=IP.
    const [host, ip, ...rest] = pair.split("=");
    if (host === undefined || ip === undefined || rest.length > 0 || !spec.hosts.some((h) => h.name === host) || isIP(ip) === 0) {
      return `--address ${pair}: expected HOST=IP with a host of the spec`;
    }
    ctx.privateAddress[host] = ip;
  }
  return undefined;
}

/**
 * Stand-in addresses different from offlineContext's for every droplet (each moved by the number
 * of hosts): a step whose content is the same under both does not depend on addresses
 * (address-dependence.ts). Existing servers keep their real addresses in both.
 */
export function shiftedContext(spec: Spec): PlanContext {
  const base = offlineContext(spec);
  const privateAddress: Record<string, string> = {};
  for (const host of spec.hosts) {
    const address = base.privateAddress[host.name]!;
    privateAddress[host.name] = host.existing ? address : ipv4Offset(address, spec.hosts.length);
  }
  return { privateAddress };
}
