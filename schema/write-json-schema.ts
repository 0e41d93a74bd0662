// `npm run schema`: regenerates schema/vigil.schema.json from the TypeBox definition.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { specJsonSchemaText } from "./json-schema.ts";

const target = fileURLToPath(new URL("./vigil.schema.json", import.meta.url));
writeFileSync(target, specJsonSchemaText());
console.log(`wrote ${target}`);
