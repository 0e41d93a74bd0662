// Reading DigitalOcean firewall inbound rules: which ports a rule opens and to which sources.
import { isIP } from "node:net";

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

/** An address range, IPv4 as 32-bit numbers or IPv6 as 128-bit bigints. */
export interface AddressRange {
  version: 4 | 6;
  prefix: number;
  first: bigint;
  last: bigint;
}

/** `203.0.113.10`, `10.20.0.0/24`, `::/0`; undefined when it is neither an address nor a CIDR. */
export function addressRange(text: string): AddressRange | undefined {
  const [address = "", prefixText] = text.trim().split("/");
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const value = version === 4 ? ipv4Value(address) : ipv6Value(address);
  const hostBits = BigInt(bits - prefix);
  const first = (value >> hostBits) << hostBits;
  return { version: version as 4 | 6, prefix, first, last: first + (1n << hostBits) - 1n };
}

const ipv4Value = (address: string): bigint => address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);

function ipv6Value(address: string): bigint {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4Value(v4[1]!);
    text = `${text.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** True when every address of `inner` lies in `outer`. */
export const within = (inner: AddressRange, outer: AddressRange): boolean =>
  inner.version === outer.version && inner.first >= outer.first && inner.last <= outer.last;
