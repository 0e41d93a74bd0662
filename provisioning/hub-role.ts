// Hub role: Prometheus, Alertmanager, blackbox exporter. (Being written: issue 4.)
import type { RoleSteps } from "./plan.ts";

export const hubRoleSteps: RoleSteps = () => [];
