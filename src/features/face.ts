import * as path from "node:path";
import { requireOptional } from "../io/optional.js";
import * as tf from "../engine/tf.js";
import type { Backbone } from "./types.js";
import type { DecodedImage } from "./image.js";
import { hashFiles, loadWeightMap, packageDir } from "./io.js";

const DESCRIPTOR_SIZE = 150;
const DESCRIPTOR_DIM = 128;
/** Longest side the detector sees; larger photos are shrunk first (detection works on 416 px anyway). */
const MAX_SIDE = 640;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The parts of @vladmandic/face-api used here (its Node build has loose types). */
interface FaceApi {
  nets: {
    faceRecognitionNet: FaceNet & { computeFaceDescriptor(input: tf.Tensor3D): Promise<Float32Array | Float32Array[]> };
    tinyFaceDetector: FaceNet;
  };
  detectAllFaces(input: tf.Tensor3D, options: object): Promise<{ score: number; box: Box }[]>;
  TinyFaceDetectorOptions: new (options: { inputSize: number; scoreThreshold: number }) => object;
}

interface FaceNet {
  loadFromWeightMap(weights: tf.NamedTensorMap): void;
  dispose(): void;
}

export interface FaceDescriptorOptions {
  /** Detector input size, a multiple of 32 (default 416). */
  readonly detectorSize?: number;
  /** Minimum detection score (default 0.5). */
  readonly scoreThreshold?: number;
  /** Margin added around the detected box, as a share of its size (default 0.1). */
  readonly margin?: number;
}

/** Counts of the last `extract` call: how many images had a face detected, how many fell back. */
export interface FaceStats {
  detected: number;
  wholeImage: number;
}

/**
 * The 128-d face descriptor of @vladmandic/face-api (MIT; a ResNet-34-like network trained for face
 * recognition, as in dlib): for each image, the tiny face detector finds the highest-scoring face, the
 * crop (plus a margin) is resized to 150 px and described. An image without a detected face is
 * described whole (counted in `stats.wholeImage`). Weights are read from the package's model folder
 * with fs and run through face-api's wasm Node build, which shares this process's TensorFlow.js.
 * For users with face images: on other images the descriptor means little.
 */
export async function loadFaceDescriptor(options: FaceDescriptorOptions = {}): Promise<Backbone & { readonly stats: FaceStats }> {
  const faceapi = loadFaceApi();
  const dir = path.join(packageDir("@vladmandic/face-api"), "model");
  const manifests = ["face_recognition_model", "tiny_face_detector_model"].map((m) => path.join(dir, `${m}-weights_manifest.json`));
  faceapi.nets.faceRecognitionNet.loadFromWeightMap(await loadWeightMap(manifests[0]));
  faceapi.nets.tinyFaceDetector.loadFromWeightMap(await loadWeightMap(manifests[1]));
  const weightFiles = [...manifests, path.join(dir, "face_recognition_model.bin"), path.join(dir, "tiny_face_detector_model.bin")];
  const detectorOptions = new faceapi.TinyFaceDetectorOptions({
    inputSize: options.detectorSize ?? 416,
    scoreThreshold: options.scoreThreshold ?? 0.5,
  });
  const margin = options.margin ?? 0.1;
  const stats: FaceStats = { detected: 0, wholeImage: 0 };
  return {
    id: `face-descriptor@${options.detectorSize ?? 416}`,
    weightsHash: await hashFiles(weightFiles),
    inputSize: DESCRIPTOR_SIZE,
    featureDim: DESCRIPTOR_DIM,
    decode: { size: MAX_SIDE, channels: 3, fit: "inside" },
    description: "face-api 128-d face descriptor of the largest-scoring face (tiny face detector crop)",
    stats,
    async extract(images) {
      stats.detected = 0;
      stats.wholeImage = 0;
      const out = new Float32Array(images.length * DESCRIPTOR_DIM);
      for (let i = 0; i < images.length; i++) {
        out.set(await describeOne(faceapi, images[i], detectorOptions, margin, stats), i * DESCRIPTOR_DIM);
      }
      return out;
    },
    dispose() {
      faceapi.nets.faceRecognitionNet.dispose();
      faceapi.nets.tinyFaceDetector.dispose();
    },
  };
}

function loadFaceApi(): FaceApi {
  // The wasm Node build requires "@tensorflow/tfjs" itself, so it runs on the backend chosen here.
  requireOptional("@tensorflow/tfjs", "the face backbone (face-api's Node build)");
  return requireOptional<FaceApi>("@vladmandic/face-api/dist/face-api.node-wasm.js", "the face backbone");
}

async function describeOne(faceapi: FaceApi, image: DecodedImage, detectorOptions: object, margin: number, stats: FaceStats): Promise<Float32Array> {
  const pixels = tf.tidy(() => {
    const t = tf.tensor3d(image.data, [image.height, image.width, image.channels]);
    return tf.mul(image.channels === 1 ? tf.tile(t, [1, 1, 3]) : t, 255) as tf.Tensor3D;
  });
  try {
    const faces = await faceapi.detectAllFaces(pixels, detectorOptions);
    const best = faces.sort((a, b) => b.score - a.score)[0];
    if (best) stats.detected++;
    else stats.wholeImage++;
    const crop = tf.tidy(() => {
      const box = best ? expand(best.box, margin, image.width, image.height) : { x: 0, y: 0, width: image.width, height: image.height };
      const region = tf.slice(pixels, [box.y, box.x, 0], [box.height, box.width, 3]);
      return tf.image.resizeBilinear(region, [DESCRIPTOR_SIZE, DESCRIPTOR_SIZE]);
    });
    try {
      const descriptor = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(crop);
      return Array.isArray(descriptor) ? descriptor[0] : descriptor;
    } finally {
      crop.dispose();
    }
  } finally {
    pixels.dispose();
  }
}

/** The box grown by `margin` on each side, in whole pixels, clipped to the image. */
function expand(box: Box, margin: number, width: number, height: number): Box {
  const x0 = Math.max(0, Math.floor(box.x - margin * box.width));
  const y0 = Math.max(0, Math.floor(box.y - margin * box.height));
  const x1 = Math.min(width, Math.ceil(box.x + box.width * (1 + margin)));
  const y1 = Math.min(height, Math.ceil(box.y + box.height * (1 + margin)));
  return { x: x0, y: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}
