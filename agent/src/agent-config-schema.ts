// The JSON Schema of a host's `agent` block: the spec schema's AgentConfig, with the same
// "a field with a default is optional" conversion the spec loader uses.
import { toJsonSchema } from "../../schema/json-schema.ts";
import { AgentConfig } from "../../schema/spec-schema.ts";

export const agentConfigJsonSchema = (): Record<string, unknown> => ({
  $schema: "http://json-schema.org/draft-07/schema#",
  ...(toJsonSchema(AgentConfig) as Record<string, unknown>),
});
