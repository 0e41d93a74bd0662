// Node role: Netdata, node_exporter, fail2ban, CrowdSec. (Being written: issue 3.)
import type { RoleSteps } from "./plan.ts";

export const nodeRoleSteps: RoleSteps = () => [];
