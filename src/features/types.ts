import type { DecodedImage, DecodeOptions } from "./image.js";

/**
 * A frozen image network used as a feature extractor: images in, one feature vector per image out.
 * `extract` accepts images of any size and channel count; it converts them to its own input size.
 */
export interface Backbone {
  /** Stable name, e.g. "mobilenetv2@224". */
  readonly id: string;
  /** Hash of the weight files: part of every cache key, so new weights never reuse old features. */
  readonly weightsHash: string;
  /** Side of the square input the network sees. */
  readonly inputSize: number;
  readonly featureDim: number;
  /** How files should be decoded before `extract` (size, channels, fit): used by the cache and the datasets. */
  readonly decode: DecodeOptions;
  /** Short description for reports: network, weights' origin, what the features are. */
  readonly description: string;
  /** Features of the images, row-major [images.length, featureDim]. */
  extract(images: readonly DecodedImage[]): Promise<Float32Array>;
  dispose(): void;
}

export type BackboneName = "mobilenetv2" | "face-descriptor";

/** Progress of long work (feature extraction, decoding): done of total, with a short label. */
export type ProgressFn = (done: number, total: number, label: string) => void;
