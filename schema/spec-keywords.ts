// Words with a meaning of their own in the spec and its schema. A module of its own, importing
// nothing: the checks the agent bundle shares (cross-checks.ts, json-schema.ts) use them without
// pulling the whole spec schema into the agent.

/** The receiver name of `cloudAlerts.slack` that means "no Slack channel". */
export const NO_SLACK = "none";

/**
 * Marks a property whose default is computed from other fields by the loader: required in
 * `Spec`, optional in the JSON Schema (json-schema.ts drops it from `required` and drops the mark).
 */
export const DERIVED_DEFAULT = "x-vigil-derived-default";
