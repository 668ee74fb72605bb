import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { InputMatrix } from "../data/dataset.js";
import type { ProgressFn } from "./types.js";
import { loadBackbone } from "./backbones.js";
import { loadModelBackbone } from "./custom.js";
import { extractWithCache, type CacheStats, type ImageItem } from "./cache.js";
import { decodeImage } from "./image.js";
import type { Backbone, BackboneName } from "./types.js";

/** How images become inputs: a pretrained backbone's features (cached), or raw pixels for a CNN. */
export type ImageRepresentation = BackboneName | "pixels";

export interface ImageInputOptions {
  readonly representation: ImageRepresentation;
  /** Side of the square the images are resized to: the backbone's input (default its own) or the pixel grid (default 32). */
  readonly size?: number;
  readonly cacheDir?: string;
  readonly onProgress?: ProgressFn;
  /** Your own TF.js layers model as the backbone (replaces a named one): its model.json, and optionally the feature layer. */
  readonly model?: { readonly file: string; readonly layer?: string };
}

export const DEFAULT_FEATURE_CACHE = path.join(".cache", "distmatch", "features");

/** Inputs for a list of image files, [n, featureDim] for a backbone or [n, size, size, 3] for pixels. */
export async function imageInputs(files: readonly string[], options: ImageInputOptions): Promise<InputMatrix & { readonly cache?: CacheStats }> {
  if (options.representation === "pixels" && !options.model) return pixelInputs(files, options.size ?? 32, options.onProgress);
  const items: ImageItem[] = await Promise.all(files.map(async (f) => ({ bytes: new Uint8Array(await fs.readFile(f)), name: f })));
  return backboneFeatures(items, options);
}

/** A pretrained backbone's features of the items, through the on-disk cache (only misses are extracted). */
export async function backboneFeatures(
  items: readonly ImageItem[],
  options: ImageInputOptions,
): Promise<InputMatrix & { readonly cache: CacheStats }> {
  const backbone = await openBackbone(options);
  try {
    const { features, stats } = await extractWithCache(backbone, items, {
      cacheDir: path.resolve(options.cacheDir ?? DEFAULT_FEATURE_CACHE),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    return {
      inputShape: [backbone.featureDim],
      inputs: features,
      description: `${backbone.description}; feature cache: ${stats.hits} hits, ${stats.misses} extracted`,
      cache: stats,
    };
  } finally {
    backbone.dispose();
  }
}

/** The user's own model when given, else the named backbone. */
async function openBackbone(options: ImageInputOptions): Promise<Backbone> {
  const size = options.size ? { inputSize: options.size } : {};
  if (options.model) return loadModelBackbone(options.model.file, { ...size, ...(options.model.layer ? { layer: options.model.layer } : {}) });
  if (options.representation === "pixels") throw new Error("backboneFeatures: pixels are not a backbone; use imageInputs");
  return loadBackbone(options.representation, size);
}

async function pixelInputs(files: readonly string[], size: number, onProgress?: ProgressFn): Promise<InputMatrix> {
  const rowSize = size * size * 3;
  const out = new Float32Array(files.length * rowSize);
  for (let i = 0; i < files.length; i++) {
    const img = await decodeImage(files[i], { size, channels: 3 });
    out.set(img.data, i * rowSize);
    if (i % 200 === 0 || i === files.length - 1) onProgress?.(i + 1, files.length, "decoding images");
  }
  return { inputShape: [size, size, 3], inputs: out, description: `${size}x${size} RGB pixels in [0, 1]` };
}
