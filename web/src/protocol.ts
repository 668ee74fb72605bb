/** Messages between the page and the study worker (structured-clone safe: plain data only). */
import type { StudyConfigInput } from "../../src/study/config.js";
import type { StudyResults } from "../../src/study/results.js";

export type BackendChoice = "webgl" | "wasm" | "cpu";

/** A file the user gave, as text, stored under /data/<name> in the worker's memory file system. */
export interface UploadedFile {
  readonly name: string;
  readonly text: string;
}

export interface StartStudy {
  readonly type: "start";
  readonly config: StudyConfigInput;
  readonly files: readonly UploadedFile[];
  readonly backend: BackendChoice;
  /** URLs of the wasm binaries, resolved by the page's bundle (the worker has no asset map of its own). */
  readonly wasmPaths: Readonly<Record<string, string>>;
}

export type ToPage =
  | { readonly type: "backend"; readonly name: string; readonly fellBack: boolean }
  | { readonly type: "run-start"; readonly label: string; readonly index: number; readonly total: number }
  | { readonly type: "progress"; readonly index: number; readonly epoch: number; readonly epochs: number }
  | { readonly type: "run-end"; readonly index: number; readonly cached: boolean }
  | { readonly type: "status"; readonly text: string }
  | { readonly type: "done"; readonly results: StudyResults; readonly reportHtml: string; readonly files: readonly DownloadFile[] }
  | { readonly type: "error"; readonly message: string };

/** A file the study wrote (results, trained models), for downloads. */
export interface DownloadFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Page -> image worker: images to turn into MobileNetV2 features (in this order). */
export interface FeaturesRequest {
  readonly type: "extract";
  readonly images: readonly { readonly name: string; readonly bytes: ArrayBuffer }[];
  readonly modelUrl: string;
  readonly shardUrl: string;
  readonly wasmPaths: Readonly<Record<string, string>>;
}

export type FromFeatures =
  | { readonly type: "status"; readonly text: string }
  | { readonly type: "progress"; readonly done: number; readonly total: number }
  | { readonly type: "features"; readonly dim: number; readonly values: Float32Array }
  | { readonly type: "error"; readonly message: string };
