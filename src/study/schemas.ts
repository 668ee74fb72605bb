import { z } from "zod";
import { studyConfigSchema } from "./config.js";
import { studyResultsSchema } from "./results.js";

/**
 * JSON Schemas (draft 2020-12) generated from the zod schemas that validate a study config and a
 * results.json, for editors and for tools in other languages. schemas/*.schema.json hold them
 * (`npm run schemas`); test/package/schemas.test.ts checks that the files are up to date.
 */
export function jsonSchemas(): Record<string, object> {
  return {
    "study-config.schema.json": {
      title: "distmatch study config",
      ...z.toJSONSchema(studyConfigSchema, { io: "input", unrepresentable: "any" }),
    },
    "results.schema.json": {
      title: "distmatch study results (results.json)",
      ...z.toJSONSchema(studyResultsSchema, { io: "output", unrepresentable: "any" }),
    },
  };
}
