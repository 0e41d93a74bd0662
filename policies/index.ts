// The CrossGuard entry point: `pulumi preview --policy-pack policies` runs this module, and
// constructing a PolicyPack starts @pulumi/policy's analyzer gRPC server (so nothing but the
// Pulumi CLI may import this file; tests and `vigil check` use pack.ts).
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, vigilPolicies } from "./pack.ts";

new PolicyPack(PACK_NAME, {
  description: "vigil: exposure, host protection, alert routing, SLO and threshold policies over the spec and its DigitalOcean resources",
  // Each policy defaults to advisory; policies/config/prod.json makes them mandatory in prod.
  enforcementLevel: "advisory",
  policies: vigilPolicies,
});
