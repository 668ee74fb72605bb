/**
 * distmatch/images: images as inputs: decoding (sharp), pretrained backbones as feature extractors
 * (MobileNetV2, face-api), a content-addressed feature cache, and image folders or manifests.
 * sharp and @vladmandic/face-api are optional peer dependencies, loaded when first used; the MobileNetV2
 * weights ship with distmatch (models/mobilenet_v2).
 */
export { loadBackbone } from "../features/backbones.js";
export { loadModelBackbone, type ModelBackboneOptions } from "../features/custom.js";
export { extractWithCache, type ImageItem, type CacheStats } from "../features/cache.js";
export { decodeImage, type DecodedImage, type DecodeOptions } from "../features/image.js";
export { listImages, readImageManifest, listImageFolder, type ImageListing, type ImageRecord } from "../features/manifest.js";
export type { Backbone, BackboneName } from "../features/types.js";
