// Reading DigitalOcean firewall inbound rules: which ports a rule opens. Which sources a rule
// admits is address arithmetic: schema/ip-ranges.ts.

/** An inbound rule as @pulumi/digitalocean's Firewall takes it (inputs, unwrapped). */
export interface InboundRule {
  action?: string;
  protocol: string;
  portRange?: string;
  sourceAddresses?: string[];
  sourceDropletIds?: number[];
  sourceTags?: string[];
  sourceLoadBalancerUids?: string[];
  sourceKubernetesIds?: string[];
}

/** The inclusive port interval a tcp/udp rule opens (no portRange, "all" or "0" mean every port). */
export function portInterval(rule: InboundRule): [number, number] | undefined {
  const protocol = rule.protocol.toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp") return undefined;
  const range = (rule.portRange ?? "all").trim().toLowerCase();
  if (range === "all" || range === "0" || range === "") return [1, 65535];
  const match = /^(\d+)(?:-(\d+))?$/.exec(range);
  if (!match) return [1, 65535]; // unreadable: assume the worst
  const low = Number(match[1]);
  return [low, match[2] === undefined ? low : Number(match[2])];
}

/** True when the rule lets traffic in (DigitalOcean rules allow unless action is "deny"). */
export const allows = (rule: InboundRule): boolean => (rule.action ?? "allow").toLowerCase() !== "deny";

/** The ports among `ports` that an allowing tcp/udp rule opens. */
export function openedPorts(rule: InboundRule, ports: readonly number[]): number[] {
  const interval = allows(rule) ? portInterval(rule) : undefined;
  if (!interval) return [];
  return ports.filter((p) => p >= interval[0] && p <= interval[1]);
}
