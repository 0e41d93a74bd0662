// Which of a host's steps depend on the hosts' addresses, found by planning under two stand-in
// address sets (address-contexts.ts: offline and shifted). Pure; components/program.ts uses it so
// that `pulumi preview` shows every step that does not depend on addresses in full, and waits
// only for the addresses a step really uses.
//
// A step whose content is the same under both stand-in sets does not depend on addresses. The
// others wait for the real addresses: the host's own only, when moving every OTHER host's address
// leaves its plan unchanged (node hosts), or all of them (the hub, which scrapes everyone).
// Depending on all addresses only where needed keeps the Pulumi program linear in hosts: each
// dependency is recorded on every command that carries it.
import type { Spec } from "../schema/spec-schema.ts";
import { offlineContext, shiftedContext } from "./address-contexts.ts";
import type { HostPlanner } from "./host-plan.ts";
import { stepHash, stepSecrets, type HostPlan, type PlanContext } from "./plan.ts";

/** The two stand-in address sets of a spec, computed once for all its hosts. */
export interface StandInContexts {
  offline: PlanContext;
  shifted: PlanContext;
}

export const standInContexts = (spec: Spec): StandInContexts => ({ offline: offlineContext(spec), shifted: shiftedContext(spec) });

/** How one host's plan depends on the addresses. */
export interface AddressDependence {
  /** The plan under the offline stand-ins: the step ids and order (fixed), and each independent step. */
  offline: HostPlan;
  /** Per step, in plan order: true when its content is the same whatever the droplets' addresses. */
  independent: boolean[];
  /** Per step: the secrets it needs under either stand-in set. */
  secrets: string[][];
  /** True when the plan changes with OTHER hosts' addresses (a hub); false when only its own count. */
  dependsOnOthers: boolean;
  /** The context to plan with once the addresses are known: all of them, or only the host's own. */
  realContext: (addresses: Readonly<Record<string, string>>) => PlanContext;
}

const sameIds = (a: HostPlan, b: HostPlan) => a.steps.length === b.steps.length && a.steps.every((s, i) => s.id === b.steps[i]!.id);

/** Plans the host under both stand-in sets and compares; throws when step ids depend on addresses. */
export function addressDependence(spec: Spec, hostName: string, planHost: HostPlanner, standIns: StandInContexts): AddressDependence {
  const own = standIns.offline.privateAddress[hostName]!;
  const offline = planHost(spec, hostName, standIns.offline);
  const shifted = planHost(spec, hostName, standIns.shifted);
  if (!sameIds(offline, shifted)) {
    throw new Error(`the steps of host ${hostName} change with the hosts' addresses; step ids and their order must not depend on addresses`);
  }
  const offlineHashes = offline.steps.map(stepHash);
  const othersMoved = planHost(spec, hostName, { privateAddress: { ...standIns.shifted.privateAddress, [hostName]: own } });
  const dependsOnOthers = othersMoved.steps.some((s, i) => stepHash(s) !== offlineHashes[i]);
  return {
    offline,
    independent: offline.steps.map((_, i) => offlineHashes[i] === stepHash(shifted.steps[i]!)),
    secrets: offline.steps.map((step, i) => [...new Set([...stepSecrets(step), ...stepSecrets(shifted.steps[i]!)])].sort()),
    dependsOnOthers,
    realContext: (addresses) => ({
      privateAddress: dependsOnOthers ? { ...addresses } : { ...standIns.offline.privateAddress, [hostName]: addresses[hostName]! },
    }),
  };
}

/** The host's plan with the real addresses; throws when its step ids differ from the offline plan's. */
export function planWithAddresses(
  spec: Spec,
  hostName: string,
  planHost: HostPlanner,
  dependence: AddressDependence,
  addresses: Readonly<Record<string, string>>,
): HostPlan {
  const plan = planHost(spec, hostName, dependence.realContext(addresses));
  if (!sameIds(plan, dependence.offline)) {
    throw new Error(`the steps of host ${hostName} changed once the addresses were known (${plan.steps.map((s) => s.id).join(", ")})`);
  }
  return plan;
}
