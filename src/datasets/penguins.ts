import { readJsonl } from "../data/readers/jsonl.js";
import type { ColumnSpec } from "../data/spec.js";
import { tableFromRecords } from "../data/table.js";
import { multiClassTask } from "../tasks/types.js";
import { datasetFile, featuresOnly } from "./files.js";
import type { BuiltinDataset, DatasetTable } from "./types.js";

export const PENGUIN_MEASUREMENTS = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"] as const;
export const PENGUIN_SPECIES = ["Adelie", "Chinstrap", "Gentoo"] as const;
export const PENGUIN_ISLANDS = ["Biscoe", "Dream", "Torgersen"] as const;
export const PENGUIN_SEXES = ["FEMALE", "MALE"] as const;

/** Birds in the file (344) less the 2 with no measurement at all. */
export const PENGUINS_KEPT = 342;

export const PENGUINS_SPEC: ColumnSpec = {
  inputs: { numeric: [...PENGUIN_MEASUREMENTS], categorical: [] },
  tasks: [
    { name: "species", kind: "multiclass", column: "Species", classes: [...PENGUIN_SPECIES] },
    { name: "island", kind: "multiclass", column: "Island", classes: [...PENGUIN_ISLANDS] },
    { name: "sex", kind: "multiclass", column: "Sex", classes: [...PENGUIN_SEXES] },
  ],
  // The file marks one unknown sex with "." besides null.
  missing: ["."],
};

/**
 * Palmer penguins (Gorman, Williams & Fraser 2014; palmerpenguins, CC0): 344 birds of 3 species on
 * 3 islands. Tasks: "species" (3), "island" (3) and "sex" (2), all multi-class: the multi-class ->
 * multi-class case. Inputs: the four measurements, standardised. The 2 birds with no measurement are
 * dropped (342 kept); 9 of the kept birds have no sex recorded, which is a missing "sex" label.
 * Island is only partly predictable (Adelie live on all three islands), sex mostly from size within a species.
 */
export const penguins: BuiltinDataset = {
  name: "penguins",
  title: "Palmer penguins",
  description: "342 penguins: species (3) vs island (3) vs sex (2), all multi-class; inputs 4 body measurements",
  licence: "CC0 1.0",
  origin:
    "palmerpenguins (Horst, Hill & Gorman; data: Gorman, Williams & Fraser 2014, Palmer Station LTER); file " +
    "data/penguins.json of npm package vega-datasets 3.2.1, re-encoded as JSON Lines",
  size: PENGUINS_KEPT,
  tasks: [
    multiClassTask("species", PENGUIN_SPECIES),
    multiClassTask("island", PENGUIN_ISLANDS),
    multiClassTask("sex", PENGUIN_SEXES),
  ],
  representations: ["features"],
  defaultRepresentation: "features",
  pairs: [
    ["species", "island"],
    ["species", "sex"],
  ],
  load: loadPenguins,
};

async function loadPenguins(): Promise<DatasetTable> {
  const file = await readJsonl(datasetFile("penguins", "penguins.jsonl"));
  const measured = file.records.filter((r) => PENGUIN_MEASUREMENTS.some((m) => r.values[m] !== null));
  if (measured.length !== PENGUINS_KEPT) {
    throw new Error(`penguins.jsonl: expected ${PENGUINS_KEPT} birds with measurements, found ${measured.length}`);
  }
  return featuresOnly(tableFromRecords({ ...file, records: measured }, PENGUINS_SPEC), "penguins");
}
