// The JSON Schema that ajv validates and editors read, derived from the TypeBox definition.
import { DERIVED_DEFAULT } from "./spec-keywords.ts";
import { SpecSchema } from "./spec-schema.ts";

type JsonObject = { [key: string]: unknown };

/**
 * A plain JSON copy of `schema` in which a property that has a `default` is no longer required:
 * users may omit it and ajv's useDefaults fills it in (see the convention in spec-schema.ts). A
 * property marked DERIVED_DEFAULT is optional too (the loader computes its default); the marker
 * itself is not JSON Schema and is left out.
 */
export function toJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) if (key !== DERIVED_DEFAULT) out[key] = toJsonSchema(value);
  const props = out.properties as Record<string, JsonObject> | undefined;
  if (Array.isArray(out.required) && props) {
    const source = (schema as { properties?: Record<string, JsonObject> }).properties ?? {};
    const required = (out.required as string[]).filter((name) => props[name]?.default === undefined && !source[name]?.[DERIVED_DEFAULT]);
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** The published schema, as written to schema/vigil.schema.json. */
export const specJsonSchema = (): JsonObject => {
  const { $id, ...rest } = toJsonSchema(SpecSchema) as JsonObject;
  return { $schema: "http://json-schema.org/draft-07/schema#", $id, ...rest };
};

/** The file text of schema/vigil.schema.json. */
export const specJsonSchemaText = (): string => JSON.stringify(specJsonSchema(), null, 2) + "\n";
