/** Writes schemas/*.schema.json from the zod schemas (src/study/schemas.ts). Usage: npm run schemas */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { jsonSchemas } from "../src/study/schemas.js";

const dir = resolve(import.meta.dirname, "../schemas");
mkdirSync(dir, { recursive: true });
for (const [file, schema] of Object.entries(jsonSchemas())) {
  writeFileSync(join(dir, file), JSON.stringify(schema, null, 2) + "\n");
  console.log(join(dir, file));
}
