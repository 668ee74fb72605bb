/**
 * The image worker: MobileNetV2 features for the user's images, computed here in the browser with the
 * core's backbone (the weights are the package's own files, served as static assets by this app).
 * Decoding mirrors the CLI: transparent pixels on white, the whole image stretched to 224 x 224, RGB in
 * [0, 1]; the resampling is the browser's, not sharp's, so features match the CLI's closely, not bit for bit.
 */
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { useBackend } from "../../src/engine/backend.js";
import * as tf from "../../src/engine/tf.js";
import { mobileNetV2FromBundle } from "../../src/features/mobilenet.js";
import type { DecodedImage } from "../../src/features/image.js";
import { sha256Hex } from "../../src/io/sha256.js";
import { installNodeGlobals } from "./node/process.js";
import type { FeaturesRequest, FromFeatures } from "./protocol.js";

installNodeGlobals();

const SIZE = 224;

/**
 * Loading a saved model looks each layer class up by name in tfjs's registry, which a layer module
 * fills when it is bundled: name every layer MobileNetV2 uses, so the bundler keeps them.
 */
const MOBILENET_LAYERS = [
  tf.layers.inputLayer, tf.layers.zeroPadding2d, tf.layers.conv2d, tf.layers.batchNormalization, tf.layers.reLU,
  tf.layers.depthwiseConv2d, tf.layers.add, tf.layers.averagePooling2d, tf.layers.flatten, tf.layers.dense, tf.layers.dropout,
];

function post(message: FromFeatures, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

/** The model files are browserify UMD bundles: run one with a CommonJS `module` and take its export. */
function umdExport(text: string, url: string): unknown {
  const module = { exports: {} as unknown };
  try {
    new Function("module", "exports", text)(module, module.exports);
  } catch (error) {
    throw new Error(`${url}: not a MobileNetV2 bundle (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return module.exports;
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} while loading the MobileNetV2 weights`);
  return response.text();
}

async function loadBackbone(modelUrl: string, shardUrl: string) {
  const [modelText, shardText] = await Promise.all([fetchText(modelUrl), fetchText(shardUrl)]);
  const model = umdExport(modelText, modelUrl) as { modelTopology?: unknown; weightsManifest?: unknown };
  const base64 = umdExport(shardText, shardUrl);
  if (!model.modelTopology || !Array.isArray(model.weightsManifest) || typeof base64 !== "string") {
    throw new Error(`${modelUrl}: expected the nsfwjs MobileNetV2 topology, manifest and base64 weights`);
  }
  const shard = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return mobileNetV2FromBundle({ topology: model.modelTopology, manifest: model.weightsManifest, shard, weightsHash: sha256Hex(shard).slice(0, 16) });
}

async function decode(name: string, bytes: ArrayBuffer): Promise<DecodedImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { resizeWidth: SIZE, resizeHeight: SIZE, resizeQuality: "high" });
  } catch (error) {
    throw new Error(`${name}: not an image the browser can decode (PNG, JPEG, WebP, GIF)`, { cause: error });
  }
  const canvas = new OffscreenCanvas(SIZE, SIZE);
  const context = canvas.getContext("2d")!;
  context.fillStyle = "#fff";
  context.fillRect(0, 0, SIZE, SIZE);
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, SIZE, SIZE).data;
  const data = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = rgba[i * 4 + c] / 255;
  return { width: SIZE, height: SIZE, channels: 3, data };
}

async function extract(request: FeaturesRequest): Promise<void> {
  if (MOBILENET_LAYERS.some((layer) => typeof layer !== "function")) throw new Error("this build lacks a layer MobileNetV2 needs");
  setWasmPaths(request.wasmPaths);
  await useBackend("wasm");
  post({ type: "status", text: "loading MobileNetV2" });
  const backbone = await loadBackbone(request.modelUrl, request.shardUrl);
  const features = new Float32Array(request.images.length * backbone.featureDim);
  const batch = 8;
  try {
    for (let start = 0; start < request.images.length; start += batch) {
      const images = await Promise.all(request.images.slice(start, start + batch).map((image) => decode(image.name, image.bytes)));
      features.set(await backbone.extract(images), start * backbone.featureDim);
      post({ type: "progress", done: Math.min(start + batch, request.images.length), total: request.images.length });
    }
  } finally {
    backbone.dispose();
  }
  post({ type: "features", dim: backbone.featureDim, values: features }, [features.buffer]);
}

self.addEventListener("message", (event: MessageEvent<FeaturesRequest>) => {
  if (event.data.type !== "extract") return;
  extract(event.data).catch((error: unknown) => post({ type: "error", message: error instanceof Error ? error.message : String(error) }));
});
