// The vigil health agent on node hosts. (Being written: issue 5.)
import type { RoleSteps } from "./plan.ts";

export const agentSteps: RoleSteps = () => [];
