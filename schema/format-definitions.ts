// The spec's string formats (value-formats.ts) as ajv format definitions, by the names the
// schema's `format` keywords use: the generated validator (spec-validator.generated.ts) calls
// them from here. Its own module so the agent bundle, which pulls value-formats.ts through
// cross-checks.ts, does not grow.
import { SPEC_FORMATS } from "./value-formats.ts";

export const AJV_FORMATS: Record<string, { type: "string"; validate: (text: string) => boolean }> = Object.fromEntries(
  Object.entries(SPEC_FORMATS).map(([name, validate]) => [name, { type: "string" as const, validate }]),
);
