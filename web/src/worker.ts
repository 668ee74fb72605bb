/**
 * The study worker: runs the core's runStudy unchanged on an in-memory file system, so the page stays
 * responsive and the numbers are the CLI's. Cancelling is terminating this worker.
 */
import { getBackend } from "@tensorflow/tfjs-core";
// tfjs-core's ES module entry registers no gradients (its Node build does): training needs them.
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { runStudy, type StudyEvent } from "../../src/study/run.js";
import { buildReportHtml } from "../../src/report/index.js";
import { listFiles, putFile } from "./node/memfs.js";
import { installNodeGlobals } from "./node/process.js";
import type { BackendChoice, StartStudy, ToPage } from "./protocol.js";

installNodeGlobals();

const DATA_DIR = "/data";
const OUT_DIR = "/runs";

function post(message: ToPage, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

function runLabel(run: { variant: string; split: number; seed: number; task?: string }): string {
  return `${run.variant}${run.task ? ` · ${run.task}` : ""} · split ${run.split} · seed ${run.seed}`;
}

function onStudyEvent(event: StudyEvent, current: { index: number }, requested: BackendChoice): void {
  if (event.type === "data") {
    // The backend is set up before the data are read: say which one runs the math.
    post({ type: "backend", name: getBackend(), fellBack: getBackend() !== requested });
  } else if (event.type === "run-start") {
    current.index = event.index;
    post({ type: "run-start", label: runLabel(event.run), index: event.index, total: event.total });
  } else if (event.type === "train" && event.event.type === "epoch") {
    // epochs 0: the total is already known from the "start" event.
    post({ type: "progress", index: current.index, epoch: event.event.record.epoch, epochs: 0 });
  } else if (event.type === "train" && event.event.type === "start") {
    post({ type: "progress", index: current.index, epoch: event.event.resumedAtEpoch, epochs: event.event.epochs });
  } else if (event.type === "run-end") {
    post({ type: "run-end", index: current.index, cached: event.cached });
  } else if (event.type === "relatedness") {
    post({ type: "status", text: `relatedness ${event.from} → ${event.to}: ${event.method}` });
  }
}

async function start(message: StartStudy): Promise<void> {
  setWasmPaths(message.wasmPaths);
  for (const file of message.files) putFile(`${DATA_DIR}/${file.name}`, file.text);
  const current = { index: 0 };
  const config = { ...message.config, outDir: OUT_DIR, backend: message.backend };
  const outcome = await runStudy(config, { baseDir: "/", saveModels: true, onEvent: (e) => onStudyEvent(e, current, message.backend) });
  post({ type: "status", text: "drawing the report" });
  const reportHtml = await buildReportHtml(outcome.results);
  const files = [...listFiles(`${outcome.dir}/models/`)].map(([path, bytes]) => ({ path: path.slice(outcome.dir.length + 1), bytes }));
  post({ type: "done", results: outcome.results, reportHtml, files }, files.map((f) => f.bytes.buffer as ArrayBuffer));
}

self.addEventListener("message", (event: MessageEvent<StartStudy>) => {
  if (event.data.type !== "start") return;
  start(event.data).catch((error: unknown) => post({ type: "error", message: error instanceof Error ? error.message : String(error) }));
});
