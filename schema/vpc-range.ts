// VPC ranges on one DigitalOcean account: the default range of a spec without `vpc.ipRange`, and
// the overlap test `vigil validate` runs across spec files. Pure; CIDR arithmetic is ipaddr.js's.
//
// DigitalOcean facts (API reference, FIELD-NOTES): a VPC range may not overlap any other VPC of
// the account, in any region; 10.244.0.0/16, 10.245.0.0/16 and 10.246.0.0/24 are reserved (the
// platform's own networks) and refused.
import { createHash } from "node:crypto";
import ipaddr from "ipaddr.js";
import type { Problem } from "./cross-checks.ts";
import type { Spec } from "./spec-schema.ts";

/** Ranges DigitalOcean reserves for itself: no VPC may overlap them. */
export const DO_RESERVED_RANGES = ["10.244.0.0/16", "10.245.0.0/16", "10.246.0.0/24"] as const;

/** The prefix length of a derived default range: a /24 holds 253 droplets, plenty for one environment. */
export const DEFAULT_VPC_PREFIX = 24;

/** [first, last] address of an IPv4 CIDR, as unsigned 32-bit numbers. */
function ipv4Span(cidr: string): [number, number] {
  const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  const size = 2 ** (32 - prefix);
  const value = address.toByteArray().reduce((n, octet) => n * 256 + octet, 0);
  const first = value - (value % size);
  return [first, first + size - 1];
}

/**
 * Every /24 of 10.0.0.0/8 outside DO_RESERVED_RANGES, as its second and third octets, in order.
 * Integer spans, not 65,536 rangesOverlap calls: parsing that many CIDRs cost 2-4 s of CPU in
 * every process that loads the spec (each `vigil` command, each test file).
 */
const candidates: readonly [number, number][] = (() => {
  const reserved = DO_RESERVED_RANGES.map(ipv4Span);
  const size = 2 ** (32 - DEFAULT_VPC_PREFIX);
  const out: [number, number][] = [];
  for (let b = 0; b < 256; b++) {
    for (let c = 0; c < 256; c++) {
      const first = ((10 * 256 + b) * 256 + c) * 256;
      const last = first + size - 1;
      if (!reserved.some(([lo, hi]) => first <= hi && lo <= last)) out.push([b, c]);
    }
  }
  return out;
})();

/**
 * The default VPC range of `<project>-<environment>`: a /24 inside 10.0.0.0/8 chosen by a hash
 * of the name, so it is the same on every run and machine (a change would replace the VPC) and
 * two environments of one account almost never share it (1 in ~65,000 per pair; `vigil validate`
 * of both files reports a clash). Never one of DigitalOcean's reserved ranges.
 */
export function defaultVpcRange(project: string, environment: string): string {
  const digest = createHash("sha256").update(`vigil-vpc:${project}-${environment}`).digest();
  const [b, c] = candidates[digest.readUInt32BE(0) % candidates.length]!;
  return `10.${b}.${c}.0/${DEFAULT_VPC_PREFIX}`;
}

/** Parses `a.b.c.d/n` (IPv4 or IPv6); undefined when it is not a CIDR. */
function parse(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | undefined {
  try {
    return ipaddr.parseCIDR(cidr);
  } catch {
    return undefined;
  }
}

/** True when the two CIDRs share at least one address (false when either is not a CIDR). */
export function rangesOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y || x[0].kind() !== y[0].kind()) return false;
  // Two CIDR blocks overlap exactly when the shorter prefix contains the other's network.
  const [wide, narrow] = x[1] <= y[1] ? [x, y] : [y, x];
  return narrow[0].match(wide);
}

/** The DigitalOcean reserved range `cidr` overlaps, if any. */
export function reservedOverlap(cidr: string): string | undefined {
  return DO_RESERVED_RANGES.find((r) => rangesOverlap(cidr, r));
}

/**
 * The spec's VPC range against DigitalOcean's reserved ranges. Run by the spec loader next to
 * crossCheck (not inside it: cross-checks.ts is bundled into the agent, which needs no ipaddr.js).
 */
export function vpcRangeProblems(spec: Spec): Problem[] {
  const reserved = reservedOverlap(spec.vpc.ipRange);
  return reserved === undefined ? [] : [{ path: ["vpc", "ipRange"], message: `overlaps ${reserved}, which DigitalOcean reserves for its own networks` }];
}
