import { readArff } from "../data/readers/arff.js";
import type { ColumnSpec, LabelColumnSpec } from "../data/spec.js";
import { tableFromRecords } from "../data/table.js";
import { multiClassTask, multiLabelTask } from "../tasks/types.js";
import { datasetFile, featuresOnly } from "./files.js";
import type { BuiltinDataset, DatasetTable } from "./types.js";

/** The 19 diseases in the file's declaration order. */
export const SOYBEAN_DISEASES = [
  "diaporthe-stem-canker", "charcoal-rot", "rhizoctonia-root-rot", "phytophthora-rot", "brown-stem-rot",
  "powdery-mildew", "downy-mildew", "brown-spot", "bacterial-blight", "bacterial-pustule", "purple-seed-stain",
  "anthracnose", "phyllosticta-leaf-spot", "alternarialeaf-spot", "frog-eye-leaf-spot",
  "diaporthe-pod-&-stem-blight", "cyst-nematode", "2-4-d-injury", "herbicide-injury",
] as const;

/**
 * Symptom labels: each binarises one leaf, pod or seed attribute to "symptom present". `dna` (does not
 * apply, e.g. no pods yet) and `?` are a missing label, not a negative.
 */
const SYMPTOM_COLUMNS: readonly LabelColumnSpec[] = [
  { column: "leaves", label: "leaves-abnormal", positive: ["abnorm"], negative: ["norm"] },
  { column: "leafspots-halo", label: "leaf-spots", positive: ["yellow-halos", "no-yellow-halos"], negative: ["absent"] },
  { column: "leaf-shread", label: "leaf-shredding", positive: ["present"], negative: ["absent"] },
  { column: "leaf-malf", label: "leaf-malformation", positive: ["present"], negative: ["absent"] },
  { column: "leaf-mild", label: "leaf-mildew", positive: ["upper-surf", "lower-surf"], negative: ["absent"] },
  { column: "fruit-pods", label: "pods-abnormal", positive: ["diseased", "few-present"], negative: ["norm"], missing: ["dna"] },
  { column: "fruit-spots", label: "fruit-spots", positive: ["colored", "brown-w/blk-specks", "distort"], negative: ["absent"], missing: ["dna"] },
  { column: "seed", label: "seed-abnormal", positive: ["abnorm"], negative: ["norm"] },
  { column: "mold-growth", label: "seed-mold", positive: ["present"], negative: ["absent"] },
  { column: "seed-discolor", label: "seed-discoloration", positive: ["present"], negative: ["absent"] },
  { column: "seed-size", label: "small-seeds", positive: ["lt-norm"], negative: ["norm"] },
  { column: "shriveling", label: "seed-shriveling", positive: ["present"], negative: ["absent"] },
];

export const SOYBEAN_SYMPTOMS: readonly string[] = SYMPTOM_COLUMNS.map((c) => (typeof c === "string" ? c : c.label!));

/** Field conditions, plant-level, stem and root observations: what an agronomist records without looking at leaves, pods or seeds. */
export const SOYBEAN_INPUTS = [
  "date", "plant-stand", "precip", "temp", "hail", "crop-hist", "area-damaged", "severity", "seed-tmt",
  "germination", "plant-growth", "stem", "lodging", "stem-cankers", "canker-lesion", "fruiting-bodies",
  "external-decay", "mycelium", "int-discolor", "sclerotia", "roots",
] as const;

export const SOYBEAN_SPEC: ColumnSpec = {
  inputs: { numeric: [], categorical: [...SOYBEAN_INPUTS] },
  tasks: [
    { name: "disease", kind: "multiclass", column: "class", classes: [...SOYBEAN_DISEASES] },
    { name: "symptoms", kind: "multilabel", columns: [...SYMPTOM_COLUMNS] },
  ],
};

/**
 * UCI Large Soybean (Michalski & Chilausky 1980): 683 plants, 19 diseases, 35 nominal attributes.
 *
 * Tasks: "disease" (19 classes) and "symptoms" (12 labels: leaf, pod and seed symptoms present).
 * Inputs: the 21 attributes in SOYBEAN_INPUTS, one-hot encoded (field conditions, plant stand and growth,
 * stem, canker, decay and root observations). Why this split: the symptoms are then labels of the plant's
 * leaves, pods and seeds that the inputs do not contain, so they must be predicted, not copied; and the
 * disease stays learnable from the conditions and stem/root signs. `leafspots-marg` and `leafspot-size`
 * are left out entirely: they are "dna" exactly when there are no leaf spots, so as inputs they would
 * leak the "leaf-spots" label. Leaf/pod/seed symptoms are what the diseases are diagnosed by, which makes
 * disease -> symptoms relatedness strong (the coupling has something to transfer).
 */
export const soybean: BuiltinDataset = {
  name: "soybean",
  title: "Large Soybean (UCI)",
  description:
    "683 soybean plants: 19-way disease (multi-class) vs 12 leaf/pod/seed symptoms (multi-label), " +
    "inputs 21 field, plant, stem and root attributes (one-hot)",
  licence: "CC BY 4.0",
  origin:
    "UCI Machine Learning Repository, Soybean (Large) (Michalski & Chilausky 1980; donors Tan & Schlimmer 1988); " +
    "file soybean.arff from Debian package weka 3.6.14-3, /usr/share/doc/weka/examples/soybean.arff",
  size: 683,
  tasks: [multiClassTask("disease", SOYBEAN_DISEASES), multiLabelTask("symptoms", SOYBEAN_SYMPTOMS)],
  representations: ["features"],
  defaultRepresentation: "features",
  pairs: [["disease", "symptoms"]],
  load: loadSoybean,
};

async function loadSoybean(): Promise<DatasetTable> {
  return featuresOnly(tableFromRecords(await readArff(datasetFile("soybean", "soybean.arff")), SOYBEAN_SPEC), "soybean");
}
