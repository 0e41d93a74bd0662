// IP addresses and CIDR ranges: the one place vigil does address arithmetic, on ipaddr.js (the
// spec's network checks, the offline stand-in addresses of droplets, the firewall policies).
// What counts as an address at all is node:net's isIP: it takes only dotted-quad IPv4 and
// standard IPv6 text, where ipaddr.js's lenient parser would also read `127.1` or `0x7f.0.0.1`.
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/** A well-formed network as written in the spec: `10.20.0.0/16`, `2001:db8::/32`. */
export interface Cidr {
  address: string;
  prefix: number;
  version: 4 | 6;
}

const PREFIX = /^\d{1,3}$/;

/** Parses `a.b.c.d/n` (or IPv6); returns an explanation when it is not a well-formed network. */
export function parseCidr(text: string): Cidr | string {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text);
  if (!match) return `"${text}" is not a CIDR like 203.0.113.10/32`;
  const address = match[1]!;
  const prefix = Number(match[2]);
  const version = isIP(address);
  if (version === 0) return `"${text}": "${address}" is not an IP address`;
  const max = version === 4 ? 32 : 128;
  if (prefix > max) return `"${text}": prefix /${prefix} is longer than /${max}`;
  if (version === 4) {
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    if (network !== ipaddr.IPv4.parse(address).toString()) return `"${text}" has host bits set; the network is ${network}/${prefix}`;
  }
  return { address, prefix, version: version as 4 | 6 };
}

/** An address or a network, parsed: what a firewall source or a VPC range covers. */
export interface AddressRange {
  version: 4 | 6;
  prefix: number;
  address: ipaddr.IPv4 | ipaddr.IPv6;
}

/** `203.0.113.10`, `10.20.0.0/24`, `::/0`; undefined when it is neither an address nor a CIDR. */
export function addressRange(text: string): AddressRange | undefined {
  const parts = text.trim().split("/");
  if (parts.length > 2) return undefined;
  const [address = "", prefixText] = parts;
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !PREFIX.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { version: version as 4 | 6, prefix, address: ipaddr.parse(address) };
}

/** True when every address of `inner` lies in `outer`. */
export const within = (inner: AddressRange, outer: AddressRange): boolean =>
  inner.version === outer.version && inner.prefix >= outer.prefix && inner.address.match(outer.address, outer.prefix);

/** True for an address of 10/8, 172.16/12 or 192.168/16 (RFC 1918). */
export const isPrivateIPv4 = (address: string): boolean => isIP(address) === 4 && ipaddr.IPv4.parse(address).range() === "private";

/** The network address of an IPv4 CIDR: `10.20.3.0/16` → `10.20.0.0`. */
export const ipv4Network = (cidr: string): string => ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();

/** The IPv4 address `offset` after `address`, wrapping around at 255.255.255.255. */
export function ipv4Offset(address: string, offset: number): string {
  const value = ipaddr.IPv4.parse(address).toByteArray().reduce((acc, byte) => acc * 256 + byte, 0);
  const moved = (((value + offset) % 2 ** 32) + 2 ** 32) % 2 ** 32;
  return ipaddr.fromByteArray([24, 16, 8, 0].map((shift) => Math.floor(moved / 2 ** shift) % 256)).toString();
}
