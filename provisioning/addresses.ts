// Where a host's services listen: 127.0.0.1 and the host's private (VPC) address, never all
// interfaces (the Prometheus family's Debian defaults bind *, see FIELD-NOTES).
import type { Host } from "../schema/spec-schema.ts";
import type { PlanContext } from "./plan.ts";

/** The host's address on the private network, from the plan context; a clear error when absent. */
export function privateAddressOf(host: Host, ctx: PlanContext): string {
  const address = ctx.privateAddress[host.name];
  if (address === undefined || address === "") throw new Error(`no private address for host "${host.name}" in the plan context`);
  return address;
}

/** `host:port` for a listen flag; an IPv6 address in brackets. */
export const hostPort = (address: string, port: number): string => (address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`);
