// The ajv validator of an AgentConfig (defaults filled in). Under tsx this compiles the schema at
// load; agent/build.ts replaces this module with ajv's standalone code generated at build time,
// so the shipped bundle neither contains nor runs the ajv compiler (it costs ~80 ms per start).
import { Ajv, type ValidateFunction } from "ajv";
import { agentConfigJsonSchema } from "./agent-config-schema.ts";

export const validateAgentConfig: ValidateFunction = new Ajv({
  allErrors: true,
  useDefaults: true,
  verbose: true,
  strict: true,
}).compile(agentConfigJsonSchema());
