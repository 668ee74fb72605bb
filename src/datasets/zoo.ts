import { readArff } from "../data/readers/arff.js";
import type { ColumnSpec } from "../data/spec.js";
import { tableFromRecords } from "../data/table.js";
import { multiClassTask, multiLabelTask } from "../tasks/types.js";
import { datasetFile, featuresOnly } from "./files.js";
import type { BuiltinDataset, DatasetTable } from "./types.js";

export const ZOO_TYPES = ["mammal", "bird", "reptile", "fish", "amphibian", "insect", "invertebrate"] as const;

/** Way of life: where and how the animal lives, rather than what its body is made of. */
export const ZOO_TRAITS = ["airborne", "aquatic", "predator", "venomous", "domestic", "catsize"] as const;

/** Anatomy: body covering, reproduction, skeleton, breathing, limbs. */
export const ZOO_INPUTS = ["hair", "feathers", "eggs", "milk", "toothed", "backbone", "breathes", "fins", "tail"] as const;

export const ZOO_SPEC: ColumnSpec = {
  inputs: { numeric: ["legs"], categorical: [...ZOO_INPUTS] },
  tasks: [
    { name: "type", kind: "multiclass", column: "type", classes: [...ZOO_TYPES] },
    { name: "traits", kind: "multilabel", columns: [...ZOO_TRAITS] },
  ],
};

/**
 * UCI Zoo (Forsyth 1990): 101 animals, 7 types, 16 attributes.
 *
 * Tasks: "type" (7 classes) and "traits" (6 labels: airborne, aquatic, predator, venomous, domestic,
 * catsize). Inputs: the anatomical attributes (ZOO_INPUTS, one-hot) and the number of legs (standardised).
 * Why this split: anatomy determines the type (hair + milk = mammal, feathers = bird, fins = fish), while
 * the traits are the animal's way of life, only partly implied by its anatomy or type (birds fly, fish
 * swim, but penguins, kiwis and ostriches do not), so they are neither copied from the inputs nor from
 * the type. Sample ids are the animal names ("frog" appears twice, as two animals: "frog" and "frog#2").
 */
export const zoo: BuiltinDataset = {
  name: "zoo",
  title: "Zoo (UCI)",
  description: "101 animals: 7-way type (multi-class) vs 6 way-of-life traits (multi-label), inputs 9 anatomical attributes + legs",
  licence: "CC BY 4.0",
  origin:
    "UCI Machine Learning Repository, Zoo (Forsyth 1990), as OpenML data set 62; file from Debian package " +
    "python3-sklearn 1.2.1, /usr/lib/python3/dist-packages/sklearn/datasets/tests/data/openml/id_62/data-v1-dl-52352.arff.gz",
  size: 101,
  tasks: [multiClassTask("type", ZOO_TYPES), multiLabelTask("traits", ZOO_TRAITS)],
  representations: ["features"],
  defaultRepresentation: "features",
  pairs: [["type", "traits"]],
  load: loadZoo,
};

async function loadZoo(): Promise<DatasetTable> {
  const file = await readArff(datasetFile("zoo", "zoo.arff"));
  const table = tableFromRecords(file, ZOO_SPEC);
  return featuresOnly({ ...table, ids: uniqueNames(file.records.map((r) => String(r.values.animal))) }, "zoo");
}

/** Names made unique by numbering repeats: frog, frog#2. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}#${count}`;
  });
}
