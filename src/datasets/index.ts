import { emoji } from "./emoji.js";
import { mnistMorpho } from "./mnistMorpho.js";
import { penguins } from "./penguins.js";
import { soybean } from "./soybean.js";
import type { BuiltinDataset } from "./types.js";
import { zoo } from "./zoo.js";

export type { BuiltinDataset, DatasetTable, InputMatrix, InputOptions, ProgressFn } from "./types.js";
export { soybean, penguins, zoo, mnistMorpho, emoji };

/** The built-in case studies by name. To add one: import its module and add one entry here. */
export const builtinDatasets: Record<string, BuiltinDataset> = {
  soybean,
  zoo,
  penguins,
  "mnist-morpho": mnistMorpho,
  emoji,
};

/** Every built-in data set, in registry order. */
export function listDatasets(): BuiltinDataset[] {
  return Object.values(builtinDatasets);
}

/** The built-in data set called `name`; the error lists the known names. */
export function getDataset(name: string): BuiltinDataset {
  const dataset = Object.hasOwn(builtinDatasets, name) ? builtinDatasets[name] : undefined;
  if (!dataset) throw new Error(`unknown dataset "${name}"; built-in datasets: ${Object.keys(builtinDatasets).join(", ")}`);
  return dataset;
}
