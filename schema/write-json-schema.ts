// `npm run schema`: regenerates schema/vigil.schema.json from the TypeBox definition, and the
// validator load-spec.ts runs (schema/spec-validator.generated.ts, ajv standalone code of it).
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { specJsonSchemaText } from "./json-schema.ts";
import { specValidatorSource } from "./spec-validator-source.ts";

for (const [name, text] of [["vigil.schema.json", specJsonSchemaText()], ["spec-validator.generated.ts", specValidatorSource()]] as const) {
  const target = fileURLToPath(new URL(`./${name}`, import.meta.url));
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
