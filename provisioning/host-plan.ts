// A host's plan: the steps of every role it holds, in order. The one module that knows all the
// roles; the plan model (plan.ts) knows none of them.
import type { Spec } from "../schema/spec-schema.ts";
import type { HostPlan, PlanContext } from "./plan.ts";
import { nodeRoleSteps } from "./node/node-role.ts";
import { agentSteps } from "./node/agent.ts";
import { hubRoleSteps } from "./hub/hub-role.ts";

/** Plans one host; `planForHost` unless a test substitutes its own. */
export type HostPlanner = (spec: Spec, hostName: string, ctx: PlanContext) => HostPlan;

/** The ordered plan of one host: node role (with the agent), then hub role. */
export function planForHost(spec: Spec, hostName: string, ctx: PlanContext): HostPlan {
  const host = spec.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(`no host named "${hostName}" in the spec (hosts: ${spec.hosts.map((h) => h.name).join(", ")})`);
  const steps = [
    ...(host.roles.includes("node") ? [...nodeRoleSteps(spec, host, ctx), ...agentSteps(spec, host, ctx)] : []),
    ...(host.roles.includes("hub") ? hubRoleSteps(spec, host, ctx) : []),
  ];
  const seen = new Set<string>();
  for (const step of steps) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(step.id)) throw new Error(`plan step id "${step.id}" is not [a-z0-9-]+`);
    if (seen.has(step.id)) throw new Error(`plan step id "${step.id}" appears twice on host ${hostName}`);
    seen.add(step.id);
  }
  return { host: host.name, roles: [...host.roles], steps };
}

