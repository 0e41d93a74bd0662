// The private network of a local fleet: one Linux bridge on this machine, one network namespace
// per host joined to it by a veth pair, addresses from the spec's vpc.ipRange.
//
//   this machine  <range>.1 on the bridge (like a VPC gateway: a receiver listening there gets
//                 the alerts, and apt-cacher-ng answers there)
//   host i        <range>.(2+i) in spec order: the same stand-ins `vigil render` uses
//                 (offlineContext), so every rendered file names the address the host really has
//
// Nothing on the bridge routes anywhere else: the namespaces get an address on the bridge's
// subnet and NO default route, this machine adds no NAT and does not turn on forwarding. A range
// that overlaps a route this machine already has is refused, so the bridge can never shadow or
// be shadowed by a real network.
//
// The pure half (addresses, names, the overlap check) is tested without root; the other half
// runs `ip`, thin.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import ipaddr from "ipaddr.js";
import type { Spec } from "../schema/spec-schema.ts";
import type { PlanContext } from "../provisioning/plan.ts";

/** A problem the user can act on (printed as one line). */
export class NetworkError extends Error {}

/** The bridge of the local fleet (interface names are at most 15 bytes). */
export const FLEET_BRIDGE = "vigil-br0";

export interface FleetHostNet {
  name: string;
  /** The host's address on the bridge (its "VPC address"). */
  address: string;
  /** Network namespace name (/run/netns/<netns>). */
  netns: string;
  /** The veth end on this machine, enslaved to the bridge; its peer is `eth0` in the namespace. */
  veth: string;
}

export interface FleetNetwork {
  /** vpc.ipRange. */
  range: string;
  prefix: number;
  bridge: string;
  /** This machine's address on the bridge: the first address of the range. */
  gateway: string;
  hosts: FleetHostNet[];
}

const v4 = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
const toInt = (a: string): number => ipaddr.IPv4.parse(a).toByteArray().reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);

/**
 * The network of a spec's fleet. The host count must fit the range (network, gateway and
 * broadcast addresses excluded). Pure.
 */
export function fleetNetwork(spec: Spec): FleetNetwork {
  const [network, prefix] = ipaddr.IPv4.parseCIDR(spec.vpc.ipRange);
  const base = toInt(network.toString());
  const size = 2 ** (32 - prefix);
  if (spec.hosts.length + 3 > size) {
    throw new NetworkError(`vpc.ipRange ${spec.vpc.ipRange} has room for ${Math.max(0, size - 3)} hosts besides this machine; the spec has ${spec.hosts.length}`);
  }
  return {
    range: spec.vpc.ipRange,
    prefix,
    bridge: FLEET_BRIDGE,
    gateway: v4(base + 1),
    hosts: spec.hosts.map((h, i) => ({ name: h.name, address: v4(base + 2 + i), netns: `vigil-${h.name}`, veth: `vigil-v${i + 2}` })),
  };
}

/** The plan context of the fleet: every host at its bridge address (existing ones too: locally they are containers). */
export const fleetContext = (net: FleetNetwork): PlanContext => ({
  privateAddress: Object.fromEntries(net.hosts.map((h) => [h.name, h.address])),
});

/** One entry of `ip -j route show table all`, the fields used here. */
export interface RouteEntry {
  dst: string;
  dev?: string;
  type?: string;
}

/** `a.b.c.d` or `a.b.c.d/n` as a CIDR pair; undefined for IPv6, `default` and the like. */
function asV4Cidr(dst: string): [ipaddr.IPv4, number] | undefined {
  try {
    if (dst.includes("/")) {
      const [a, p] = ipaddr.parseCIDR(dst);
      return a.kind() === "ipv4" ? [a as ipaddr.IPv4, p] : undefined;
    }
    const a = ipaddr.parse(dst);
    return a.kind() === "ipv4" ? [a as ipaddr.IPv4, 32] : undefined;
  } catch {
    return undefined;
  }
}

/** Two CIDRs overlap exactly when one contains the other's network address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = asV4Cidr(a);
  const y = asV4Cidr(b);
  if (!x || !y) return false;
  return x[0].match(y) || y[0].match(x);
}

/**
 * The routes of this machine that `range` overlaps, as `dst dev` strings. The default route is
 * not counted (it covers everything; the fleet's more specific route wins for its own range and
 * the containers have no route out); neither are routes on the fleet's own bridge (a re-run).
 */
export function overlappingRoutes(range: string, routes: readonly RouteEntry[], ownDevice = FLEET_BRIDGE): string[] {
  return routes
    .filter((r) => r.dst !== "default" && r.dev !== ownDevice && cidrsOverlap(range, r.dst))
    .map((r) => `${r.dst}${r.dev ? ` dev ${r.dev}` : ""}${r.type && r.type !== "unicast" ? ` (${r.type})` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// Side effects: `ip`

function ip(args: string[], what: string): string {
  const r = spawnSync("ip", args, { encoding: "utf8" });
  if (r.status !== 0) throw new NetworkError(`${what}: ip ${args.join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Every IPv4 route of every table of this machine. */
export function machineRoutes(): RouteEntry[] {
  return JSON.parse(ip(["-j", "-4", "route", "show", "table", "all"], "reading this machine's routes") || "[]") as RouteEntry[];
}

const linkExists = (name: string) => spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;
export const netnsPath = (name: string): string => `/run/netns/${name}`;
const netnsExists = (name: string) => existsSync(netnsPath(name));

/**
 * Creates the bridge and each host's namespace (idempotent: what exists is kept). Refuses a
 * range that overlaps this machine's routes, before touching anything.
 */
export function createFleetNetwork(net: FleetNetwork): void {
  const overlaps = overlappingRoutes(net.range, machineRoutes(), net.bridge);
  if (overlaps.length > 0) {
    throw new NetworkError(
      `vpc.ipRange ${net.range} overlaps routes this machine already has (${overlaps.join("; ")}); ` +
        "the local fleet needs a range of its own: pick another vpc.ipRange for local runs",
    );
  }
  if (!linkExists(net.bridge)) {
    ip(["link", "add", net.bridge, "type", "bridge"], "creating the fleet bridge");
  }
  // No forwarding is turned on, no NAT added: the bridge is a dead end by construction.
  const cidr = `${net.gateway}/${net.prefix}`;
  const has = ip(["-j", "-4", "addr", "show", "dev", net.bridge], "reading the bridge address");
  if (!has.includes(`"${net.gateway}"`)) ip(["addr", "add", cidr, "dev", net.bridge], "addressing the bridge");
  ip(["link", "set", net.bridge, "up"], "bringing the bridge up");
  // IPv4 only: no link-local IPv6 on the bridge either, so it carries exactly the range.
  noIpv6(`/proc/sys/net/ipv6/conf/${net.bridge}/disable_ipv6`);
  for (const h of net.hosts) {
    if (!netnsExists(h.netns)) ip(["netns", "add", h.netns], `creating the namespace of ${h.name}`);
    if (!linkExists(h.veth)) {
      ip(["link", "add", h.veth, "type", "veth", "peer", "name", "eth0", "netns", h.netns], `creating the veth of ${h.name}`);
    }
    ip(["link", "set", h.veth, "master", net.bridge], `attaching ${h.name} to the bridge`);
    ip(["link", "set", h.veth, "up"], `bringing up the veth of ${h.name}`);
    noIpv6(`/proc/sys/net/ipv6/conf/${h.veth}/disable_ipv6`);
    // Inside: eth0 only (::1 on loopback stays, services may resolve localhost to it).
    spawnSync("ip", ["netns", "exec", h.netns, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/eth0/disable_ipv6"], { stdio: "ignore" });
    ip(["-n", h.netns, "link", "set", "lo", "up"], `loopback of ${h.name}`);
    const inside = ip(["-n", h.netns, "-j", "-4", "addr", "show", "dev", "eth0"], `reading the address of ${h.name}`);
    if (!inside.includes(`"${h.address}"`)) ip(["-n", h.netns, "addr", "add", `${h.address}/${net.prefix}`, "dev", "eth0"], `addressing ${h.name}`);
    ip(["-n", h.netns, "link", "set", "eth0", "up"], `bringing up eth0 of ${h.name}`);
  }
}

function noIpv6(path: string): void {
  try {
    writeFileSync(path, "1");
  } catch {
    /* a kernel without IPv6: nothing to turn off */
  }
}

/** Removes the namespaces (their veth pairs go with them) and the bridge; what is gone is skipped. */
export function removeFleetNetwork(net: Pick<FleetNetwork, "bridge" | "hosts">): void {
  for (const h of net.hosts) {
    if (netnsExists(h.netns)) ip(["netns", "del", h.netns], `removing the namespace of ${h.name}`);
    removeLink(h.veth, `removing the veth of ${h.name}`);
  }
  removeLink(net.bridge, "removing the fleet bridge");
}

/**
 * `ip link del` of a link that may vanish on its own meanwhile: deleting a namespace destroys its
 * veth pairs in the kernel's cleanup work, after `ip netns del` returns, so the host end can
 * still be listed and then be gone ("Cannot find device") when we delete it. Gone is done.
 */
function removeLink(name: string, what: string): void {
  if (!linkExists(name)) return;
  try {
    ip(["link", "del", name], what);
  } catch (err) {
    if (linkExists(name)) throw err;
  }
}

/** The routes inside a host's namespace (for tests and status: there must be no default route). */
export function namespaceRoutes(netns: string): RouteEntry[] {
  return JSON.parse(ip(["-n", netns, "-j", "-4", "route", "show", "table", "all"], `reading the routes of ${netns}`) || "[]") as RouteEntry[];
}
