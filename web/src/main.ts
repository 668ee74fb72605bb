/** The page: data in, column mapping, relatedness, run (in a worker), results (the CLI's report). */
import { zipSync, strToU8 } from "fflate";
import type { RawTable } from "../../src/data/readers/index.js";
import { tableFromRecords } from "../../src/data/table.js";
import { parseRelatedness, relatednessToJson } from "../../src/relatedness/io.js";
import type { Relatedness } from "../../src/relatedness/types.js";
import { buildReportHtml, parseResults } from "../../src/report/index.js";
import { getVariant } from "../../src/study/variants.js";
import type { StudyResults } from "../../src/study/results.js";
import type { Task } from "../../src/tasks/types.js";
import type { StudyConfigInput } from "../../src/study/config.js";
import { byId, download, h } from "./dom.js";
import { installNodeGlobals } from "./node/process.js";
import { renderFiles, renderLabelCounts, renderMapping, renderPreview, showProblem, type LoadedFile } from "./data-view.js";
import { buildSpec, checkMapping, guessMapping, parseUploadedTable, toProblem, type ColumnMapping } from "./mapping.js";
import { blankRelatedness, firstPair, priorFor, priorNames, renderHeatmap } from "./relatedness-view.js";
import { fillRunForm, readRunForm } from "./run-form.js";
import { resolveBackend, startStudy, type StudyHandle } from "./study-client.js";
import type { BackendChoice, DownloadFile, ToPage } from "./protocol.js";
import { baseName, extractFeatures, imageColumn, rowImages, withFeatures } from "./images.js";

installNodeGlobals();

interface State {
  /** Picked images by file name (what manifests' image columns are matched against). */
  images: Map<string, File>;
  sources: LoadedFile[];
  test?: LoadedFile;
  mapping: ColumnMapping[];
  tasks: readonly Task[];
  mappingOk: boolean;
  relatedness?: Relatedness;
  study?: StudyHandle;
  outcome?: { results: StudyResults; reportHtml: string; files: readonly DownloadFile[] };
}

const state: State = { images: new Map(), sources: [], mapping: [], tasks: [], mappingOk: false };

// ---------------------------------------------------------------- data

async function readUpload(file: File): Promise<LoadedFile> {
  const text = await file.text();
  try {
    return { name: file.name, text, table: parseUploadedTable(file.name, text) };
  } catch (error) {
    return { name: file.name, text, error: toProblem(error).message };
  }
}

async function addSources(files: readonly File[]): Promise<void> {
  for (const file of files) {
    const loaded = await readUpload(file);
    const isTest = state.test?.name === file.name;
    // A file given again replaces the earlier one; the same name as the test file would be ambiguous.
    state.sources = [...state.sources.filter((s) => s.name !== file.name), isTest ? { ...loaded, error: `${file.name}: already given as the test file` } : loaded];
  }
  await dataChanged();
}

async function setTest(file: File | undefined): Promise<void> {
  state.test = file ? await readUpload(file) : undefined;
  if (state.test && state.sources.some((s) => s.name === state.test!.name)) state.test = { ...state.test, error: `${state.test.name}: already given as a source` };
  await dataChanged();
}

// ---------------------------------------------------------------- images

type ReadFile = LoadedFile & { table: RawTable };

/** Files (sources, then the test file) whose column lists the picked images, with that column. */
function imageFiles(): { file: ReadFile; column: string }[] {
  const names = new Set(state.images.keys());
  if (names.size === 0) return [];
  return [...state.sources, ...(state.test ? [state.test] : [])]
    .filter((f): f is ReadFile => f.table !== undefined && !f.error)
    .flatMap((file) => {
      const column = imageColumn(file.table, names);
      return column ? [{ file, column }] : [];
    });
}

function imagesChanged(): void {
  const files = imageFiles();
  byId<HTMLButtonElement>("features-button").disabled = files.length === 0;
  byId("images-error").textContent = "";
  byId("images-status").textContent =
    state.images.size === 0
      ? ""
      : files.length === 0
        ? `${state.images.size} image(s); no file's column lists them yet`
        : `${state.images.size} image(s), listed by ${files.map((f) => `${f.file.name} (column "${f.column}")`).join(", ")}`;
}

function addImages(files: readonly File[]): void {
  for (const file of files) state.images.set(baseName(file.name), file);
  imagesChanged();
}

/** Replaces every file that lists images by its MobileNetV2 features table. */
async function computeFeatures(): Promise<void> {
  const button = byId<HTMLButtonElement>("features-button");
  const status = byId("images-status");
  try {
    const targets = imageFiles().map(({ file, column }) => ({ file, column, images: rowImages(file, column) }));
    const order = [...new Set(targets.flatMap((t) => t.images))];
    const index = new Map(order.map((name, i) => [name, i]));
    button.disabled = true;
    const { dim, values } = await extractFeatures(order.map((name) => state.images.get(name)!), (message) => {
      status.textContent = message.type === "progress" ? `image features: ${message.done} / ${message.total}` : message.text;
    });
    const replaced = new Map(targets.map((t) => [t.file.name, withFeatures(t.file, t.column, values, dim, t.images.map((n) => index.get(n)!))]));
    state.sources = state.sources.map((s) => replaced.get(s.name) ?? s);
    if (state.test) state.test = replaced.get(state.test.name) ?? state.test;
    await dataChanged();
    status.textContent = `${order.length} image(s) → ${dim} MobileNetV2 features each, in ${[...replaced.values()].map((f) => f.name).join(", ")}`;
  } catch (error) {
    byId("images-error").textContent = error instanceof Error ? error.message : String(error);
    button.disabled = false;
  }
}

function readableTables(): RawTable[] {
  return [...state.sources, ...(state.test ? [state.test] : [])].filter((f) => f.table && !f.error).map((f) => f.table!);
}

async function dataChanged(): Promise<void> {
  imagesChanged();
  renderFiles(byId("source-list"), state.sources, (name) => {
    state.sources = state.sources.filter((s) => s.name !== name);
    void dataChanged();
  });
  renderFiles(byId("test-list"), state.test ? [state.test] : [], () => {
    state.test = undefined;
    byId<HTMLInputElement>("test-input").value = "";
    void dataChanged();
  });
  const tables = readableTables();
  const known = new Map(state.mapping.map((m) => [m.column, m]));
  state.mapping = guessMapping(tables).map((m) => known.get(m.column) ?? m);
  const ready = state.sources.some((s) => s.table && !s.error);
  for (const id of ["columns", "relatedness", "run"]) byId(id).hidden = !ready;
  if (ready) renderMapping(byId("mapping").querySelector("tbody")!, state.mapping, tables, mappingChanged);
  await validate();
}

function mappingChanged(changes: readonly ColumnMapping[]): void {
  const byColumn = new Map(changes.map((m) => [m.column, m]));
  state.mapping = state.mapping.map((m) => byColumn.get(m.column) ?? m);
  renderMapping(byId("mapping").querySelector("tbody")!, state.mapping, readableTables(), mappingChanged);
  void validate();
}

/** Checks files and mapping with the core; the first problem is shown next to its file or column. */
async function validate(): Promise<void> {
  const tables = readableTables();
  const spec = buildSpec(state.mapping);
  const everyFileRead = [...state.sources, ...(state.test ? [state.test] : [])].every((f) => !f.error);
  const problem = tables.length > 0 && state.sources.some((s) => s.table) ? await checkMapping(spec, tables) : undefined;
  showProblem(problem, [...state.sources, ...(state.test ? [state.test] : [])]);
  state.mappingOk = everyFileRead && tables.length > 0 && problem === undefined;
  renderPreview(byId<HTMLSelectElement>("preview-source"), byId<HTMLTableElement>("preview"), tables);
  if (tables.length > 0) renderLabelCounts(byId<HTMLTableElement>("label-counts"), spec, tables);
  state.tasks = state.mappingOk ? tableFromRecords(tables, spec).tasks : [];
  relatednessMethodChanged();
}

// ---------------------------------------------------------------- relatedness

function showMatrix(R: Relatedness | undefined, caption: string): void {
  state.relatedness = R;
  byId("heatmap-wrap").hidden = !R;
  if (!R) return;
  byId("heatmap-caption").textContent = caption;
  renderHeatmap(byId<HTMLTableElement>("heatmap"), R, (next) => {
    state.relatedness = next;
    byId("heatmap-caption").textContent = `${caption} (edited: the study uses this matrix)`;
  });
}

function relatednessMethodChanged(): void {
  const method = byId<HTMLSelectElement>("relatedness-method").value;
  byId("prior-field").hidden = method !== "prior";
  byId("relatedness-file-field").hidden = method !== "file";
  byId("relatedness-error").textContent = "";
  const pair = firstPair(state.tasks);
  if (method === "edit" && pair) return showMatrix(state.relatedness?.origin === "edited" ? state.relatedness : blankRelatedness(...pair), `${pair[0].name} → ${pair[1].name}: edit any entry`);
  if (method === "prior" && pair) {
    try {
      return showMatrix(priorFor(byId<HTMLSelectElement>("prior-name").value, ...pair), "built-in prior");
    } catch (error) {
      byId("relatedness-error").textContent = toProblem(error).message;
    }
  }
  if (method !== "file") showMatrix(undefined, "");
}

async function relatednessUploaded(file: File | undefined): Promise<void> {
  if (!file) return;
  const pair = firstPair(state.tasks);
  try {
    const R = parseRelatedness(await file.text(), file.name, pair ? { from: pair[0], to: pair[1] } : {});
    showMatrix(R, `from ${file.name}`);
  } catch (error) {
    showMatrix(undefined, "");
    byId("relatedness-error").textContent = toProblem(error).message;
  }
}

/** The relatedness part of the config, and the file it needs (an uploaded or edited matrix). */
function relatednessConfig(): { config: StudyConfigInput["relatedness"]; file?: { name: string; text: string } } {
  const method = byId<HTMLSelectElement>("relatedness-method").value;
  if (state.relatedness && (method === "file" || method === "edit" || (method === "prior" && state.relatedness.origin === "edited"))) {
    return { config: { method: "file", file: "/data/relatedness.json" }, file: { name: "relatedness.json", text: relatednessToJson(state.relatedness) } };
  }
  if (method === "file" || method === "edit") throw new Error("relatedness: give a matrix file, or choose another source");
  if (method === "prior") return { config: { method: "prior", prior: byId<HTMLSelectElement>("prior-name").value } };
  return { config: { method: method as "auto" | "overlap" | "predictions" } };
}

// ---------------------------------------------------------------- run

/** The runs in runStudy's order: per seed, single-task variants (one run per task) first, then the others. */
function plannedRuns(config: StudyConfigInput): string[] {
  const variants = [...(config.variants ?? [])].sort((a, b) => Number(getVariant(b).singleTask) - Number(getVariant(a).singleTask));
  return (config.seeds ?? [0]).flatMap((seed) =>
    variants.flatMap((id) => (getVariant(id).singleTask ? state.tasks.map((task) => `${id} · ${task.name} · seed ${seed}`) : [`${id} · seed ${seed}`])),
  );
}

function progressRows(labels: readonly string[]): void {
  byId("progress").replaceChildren(...labels.map((label, i) => progressRow(i + 1, label)));
}

function progressRow(index: number, label: string): HTMLLIElement {
  return h(
    "li",
    { id: `run-${index}` },
    h("span", { class: "run-label" }, label),
    h("progress", { max: 1, value: 0, "aria-label": `progress of ${label}` }),
    h("span", { class: "run-state muted" }, "waiting"),
  );
}

function runRow(index: number, label?: string): HTMLElement {
  let row = document.getElementById(`run-${index}`);
  if (!row) {
    row = progressRow(index, label ?? `run ${index}`);
    byId("progress").append(row);
  }
  if (label) row.querySelector(".run-label")!.textContent = label;
  return row;
}

function onWorkerMessage(message: ToPage): void {
  const status = byId("run-status");
  if (message.type === "backend") byId("backend-used").textContent = message.fellBack ? `${message.name} (the requested backend could not start)` : message.name;
  else if (message.type === "status") status.textContent = message.text;
  else if (message.type === "run-start") {
    const row = runRow(message.index, message.label);
    row.querySelector(".run-state")!.textContent = "training";
    status.textContent = `run ${message.index} of ${message.total}: ${message.label}`;
  } else if (message.type === "progress") {
    const bar = runRow(message.index).querySelector("progress")!;
    if (message.epochs > 0) bar.max = message.epochs;
    bar.value = message.epoch;
    runRow(message.index).querySelector(".run-state")!.textContent = `epoch ${message.epoch} of ${bar.max}`;
  } else if (message.type === "run-end") {
    const row = runRow(message.index);
    const bar = row.querySelector("progress")!;
    bar.value = bar.max;
    row.querySelector(".run-state")!.textContent = message.cached ? "reused" : "done";
  } else if (message.type === "done") {
    status.textContent = `finished in ${message.results.timing.wallSeconds.toFixed(1)} s`;
    finishRun();
    showResults({ results: message.results, reportHtml: message.reportHtml, files: message.files });
  } else if (message.type === "error") {
    status.textContent = "";
    byId("config-error").textContent = message.message;
    finishRun();
  }
}

function finishRun(): void {
  state.study = undefined;
  byId<HTMLButtonElement>("run-button").disabled = false;
  byId<HTMLButtonElement>("cancel-button").disabled = true;
}

function startRun(event: Event): void {
  event.preventDefault();
  byId("config-error").textContent = "";
  if (!state.mappingOk) {
    byId("config-error").textContent = "fix the data and column problems above first";
    return;
  }
  try {
    const relatedness = relatednessConfig();
    const sources = state.sources.map((s) => ({ file: `/data/${s.name}` }));
    const base: StudyConfigInput = {
      name: "browser-study",
      data: { sources, ...(state.test ? { test: `/data/${state.test.name}` } : {}), spec: buildSpec(state.mapping) as Record<string, unknown> },
      relatedness: relatedness.config,
    };
    const config = readRunForm(base);
    const files = [...state.sources, ...(state.test ? [state.test] : []), ...(relatedness.file ? [relatedness.file] : [])].map((f) => ({ name: f.name, text: f.text }));
    const backend: BackendChoice = resolveBackend(byId<HTMLSelectElement>("backend").value as "auto" | BackendChoice);
    progressRows(plannedRuns(config));
    byId("backend-used").textContent = `starting ${backend}`;
    byId("run-status").textContent = "preparing the data";
    byId<HTMLButtonElement>("run-button").disabled = true;
    byId<HTMLButtonElement>("cancel-button").disabled = false;
    state.study = startStudy(config, files, backend, onWorkerMessage);
  } catch (error) {
    byId("config-error").textContent = toProblem(error).message;
  }
}

function cancelRun(): void {
  state.study?.cancel();
  finishRun();
  byId("run-status").textContent = "cancelled";
  for (const s of document.querySelectorAll("#progress .run-state")) if (s.textContent !== "done") s.textContent = "cancelled";
}

// ---------------------------------------------------------------- results

function showResults(outcome: NonNullable<State["outcome"]>): void {
  state.outcome = outcome;
  const frame = byId<HTMLIFrameElement>("report");
  frame.hidden = false;
  frame.addEventListener("load", () => fitFrame(frame), { once: true });
  frame.srcdoc = outcome.reportHtml;
  byId("downloads").hidden = false;
  const models = modelFolders(outcome.files);
  byId("download-models").replaceChildren(
    ...[...models.keys()].map((name) => {
      const button = h("button", { type: "button", "data-model": name }, `model ${name} (.zip)`);
      button.addEventListener("click", () => download(`${name}.zip`, zipSync(models.get(name)!), "application/zip"));
      return button;
    }),
  );
  byId("results").scrollIntoView({ behavior: "smooth", block: "start" });
}

function fitFrame(frame: HTMLIFrameElement): void {
  const doc = frame.contentDocument;
  if (doc) frame.style.height = `${doc.documentElement.scrollHeight + 16}px`;
}

/** models/<variant>-s<seed>/<file> -> one file map per model folder. */
function modelFolders(files: readonly DownloadFile[]): Map<string, Record<string, Uint8Array>> {
  const out = new Map<string, Record<string, Uint8Array>>();
  for (const file of files) {
    const [, name, rest] = /^models\/([^/]+)\/(.+)$/.exec(file.path) ?? [];
    if (!name) continue;
    if (!out.has(name)) out.set(name, {});
    out.get(name)![rest] = file.bytes;
  }
  return out;
}

function downloadAll(): void {
  const outcome = state.outcome;
  if (!outcome) return;
  const entries: Record<string, Uint8Array> = {
    "results.json": strToU8(JSON.stringify(outcome.results, null, 2) + "\n"),
    "report.html": strToU8(outcome.reportHtml),
  };
  for (const file of outcome.files) entries[file.path] = file.bytes;
  download(`${outcome.results.name}.zip`, zipSync(entries), "application/zip");
}

async function openResults(file: File | undefined): Promise<void> {
  if (!file) return;
  const error = byId("results-error");
  error.textContent = "";
  try {
    const text = await file.text();
    if (/\.html?$/i.test(file.name)) return showReportOnly(text);
    const results = parseResults(text, file.name);
    showResults({ results, reportHtml: await buildReportHtml(results), files: [] });
  } catch (e) {
    error.textContent = toProblem(e).message;
  }
}

/** A CLI report.html is shown as it is (it is self-contained and runs no scripts). */
function showReportOnly(html: string): void {
  state.outcome = undefined;
  byId("downloads").hidden = true;
  const frame = byId<HTMLIFrameElement>("report");
  frame.hidden = false;
  frame.addEventListener("load", () => fitFrame(frame), { once: true });
  frame.srcdoc = html;
}

// ---------------------------------------------------------------- wiring

function wire(): void {
  const sourcesInput = byId<HTMLInputElement>("sources-input");
  sourcesInput.addEventListener("change", () => void addSources([...(sourcesInput.files ?? [])]));
  const testInput = byId<HTMLInputElement>("test-input");
  testInput.addEventListener("change", () => void setTest(testInput.files?.[0]));
  const imagesInput = byId<HTMLInputElement>("images-input");
  imagesInput.addEventListener("change", () => addImages([...(imagesInput.files ?? [])]));
  const folderInput = byId<HTMLInputElement>("images-folder-input");
  // A folder brings every file in it: keep the images.
  folderInput.addEventListener("change", () => addImages([...(folderInput.files ?? [])].filter((f) => f.type.startsWith("image/"))));
  byId("features-button").addEventListener("click", () => void computeFeatures());
  const drop = byId("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    void addSources([...(e.dataTransfer?.files ?? [])]);
  });
  byId<HTMLSelectElement>("preview-source").addEventListener("change", () => renderPreview(byId<HTMLSelectElement>("preview-source"), byId<HTMLTableElement>("preview"), readableTables()));
  byId<HTMLSelectElement>("prior-name").replaceChildren(...priorNames().map((n) => h("option", { value: n }, n)));
  byId("relatedness-method").addEventListener("change", relatednessMethodChanged);
  byId("prior-name").addEventListener("change", relatednessMethodChanged);
  const relatednessInput = byId<HTMLInputElement>("relatedness-input");
  relatednessInput.addEventListener("change", () => void relatednessUploaded(relatednessInput.files?.[0]));
  fillRunForm();
  byId("run-form").addEventListener("submit", startRun);
  byId("cancel-button").addEventListener("click", cancelRun);
  const resultsInput = byId<HTMLInputElement>("results-input");
  resultsInput.addEventListener("change", () => void openResults(resultsInput.files?.[0]));
  byId("download-results").addEventListener("click", () => state.outcome && download("results.json", JSON.stringify(state.outcome.results, null, 2) + "\n", "application/json"));
  byId("download-report").addEventListener("click", () => state.outcome && download("report.html", state.outcome.reportHtml, "text/html"));
  byId("download-zip").addEventListener("click", downloadAll);
  window.addEventListener("resize", () => {
    const frame = byId<HTMLIFrameElement>("report");
    if (!frame.hidden) fitFrame(frame);
  });
  if ("serviceWorker" in navigator && location.protocol !== "file:" && import.meta.env.PROD) {
    navigator.serviceWorker.register("./sw.js").catch(() => {});
  }
}

wire();
