import type { OutputInfo } from "sharp";
import { importOptional } from "../io/optional.js";

type Sharp = typeof import("sharp").default;

let sharpModule: Promise<Sharp> | undefined;

/** sharp (libvips) is an optional peer dependency, loaded on the first decode. */
function loadSharp(): Promise<Sharp> {
  return (sharpModule ??= importOptional<{ default: Sharp }>("sharp", "decoding images").then((m) => m.default));
}

/** Decoded pixels, row-major [height, width, channels], float32 in [0, 1]. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Float32Array;
}

export interface DecodeOptions {
  /** Output side in pixels (square), or [width, height]; omit to keep the file's size. */
  readonly size?: number | readonly [number, number];
  /** 3 = RGB (default), 1 = grey. */
  readonly channels?: 1 | 3;
  /**
   * How the image is fitted into the size: "fill" stretches (default), "contain" letterboxes, "cover" crops,
   * "inside" keeps the aspect ratio within the size and never enlarges (the output size then varies).
   */
  readonly fit?: "fill" | "contain" | "cover" | "inside";
  /** Colour that transparent pixels are flattened onto (default white, as emoji are drawn on a page). */
  readonly background?: { readonly r: number; readonly g: number; readonly b: number };
}

const WHITE = { r: 255, g: 255, b: 255 };

/** A short, stable description of decoding options: part of a feature cache key. */
export function describeDecode(options: DecodeOptions): string {
  const size = options.size === undefined ? "orig" : Array.isArray(options.size) ? options.size.join("x") : String(options.size);
  const bg = options.background ?? WHITE;
  return `sharp:size=${size},ch=${options.channels ?? 3},fit=${options.fit ?? "fill"},bg=${bg.r}.${bg.g}.${bg.b},scale=1/255`;
}

/** Decodes an image file (PNG, JPEG, WebP, ...) with sharp, flattens alpha, resizes, scales to [0, 1]. */
export async function decodeImage(pathOrBuffer: string | Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const channels = options.channels ?? 3;
  const input = typeof pathOrBuffer === "string" ? pathOrBuffer : Buffer.from(pathOrBuffer.buffer, pathOrBuffer.byteOffset, pathOrBuffer.byteLength);
  const sharp = await loadSharp();
  let pipeline = sharp(input).flatten({ background: options.background ?? WHITE });
  if (options.size !== undefined) {
    const [width, height] = typeof options.size === "number" ? [options.size, options.size] : options.size;
    const fit = options.fit ?? "fill";
    pipeline = pipeline.resize(width, height, { fit, background: options.background ?? WHITE, withoutEnlargement: fit === "inside" });
  }
  pipeline = channels === 1 ? pipeline.greyscale() : pipeline.removeAlpha();
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    const where = typeof pathOrBuffer === "string" ? pathOrBuffer : "<buffer>";
    throw new Error(`${where}: cannot decode image (${(err as Error).message})`, { cause: err });
  }
  return fromBytes(raw.data, raw.info.width, raw.info.height, raw.info.channels, channels);
}

/** Builds a DecodedImage from 8-bit pixels [h, w, c]; converts between grey and RGB when asked. */
export function fromBytes(bytes: Uint8Array, width: number, height: number, have: number, want: 1 | 3 = have === 1 ? 1 : 3): DecodedImage {
  const n = width * height;
  if (bytes.length < n * have) throw new Error(`pixel buffer has ${bytes.length} bytes, expected ${n * have} (${width}x${height}x${have})`);
  const data = new Float32Array(n * want);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < want; c++) {
      const source = have === 1 ? bytes[i] : want === 1 ? luminance(bytes, i * have) : bytes[i * have + c];
      data[i * want + c] = source / 255;
    }
  }
  return { width, height, channels: want, data };
}

function luminance(bytes: Uint8Array, at: number): number {
  return 0.299 * bytes[at] + 0.587 * bytes[at + 1] + 0.114 * bytes[at + 2];
}
