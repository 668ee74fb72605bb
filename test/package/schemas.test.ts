import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { jsonSchemas } from "../../src/study/schemas.js";

const root = path.resolve(import.meta.dirname, "../..");

test("schemas/*.schema.json are generated from the current zod schemas (else run `npm run schemas`)", () => {
  for (const [file, schema] of Object.entries(jsonSchemas())) {
    const onDisk = JSON.parse(readFileSync(path.join(root, "schemas", file), "utf8")) as unknown;
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(schema)), `schemas/${file} is stale: run npm run schemas`);
  }
});

test("the JSON Schemas describe the fields a config and a results.json have", () => {
  const schemas = jsonSchemas() as Record<string, { type: string; properties: Record<string, unknown>; required?: string[] }>;
  const config = schemas["study-config.schema.json"];
  assert.equal(config.type, "object");
  for (const field of ["dataset", "data", "seeds", "variants", "training", "coupling", "relatedness"]) assert.ok(field in config.properties, `config.${field}`);
  const results = schemas["results.schema.json"];
  const fixture = JSON.parse(readFileSync(path.join(root, "test/fixtures/report/results.json"), "utf8")) as Record<string, unknown>;
  for (const field of results.required ?? []) assert.ok(field in fixture, `results.json fixture lacks required field ${field}`);
  for (const field of Object.keys(fixture)) assert.ok(field in results.properties, `results schema lacks ${field}`);
});
