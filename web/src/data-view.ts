/** Section 1 and 2: the files, the column roles, the preview and the label counts. */
import type { RawTable } from "../../src/data/readers/index.js";
import { cellText } from "../../src/data/cells.js";
import { byId, h, slug, textTable } from "./dom.js";
import { labelCounts, type ColumnMapping, type ColumnRole, type Problem } from "./mapping.js";
import type { ColumnSpec } from "../../src/data/spec.js";

export interface LoadedFile {
  readonly name: string;
  readonly text: string;
  readonly table?: RawTable;
  readonly error?: string;
}

const ROLES: readonly [ColumnRole, string][] = [
  ["ignore", "ignore"],
  ["numeric", "input: numeric"],
  ["categorical", "input: categorical"],
  ["multiclass", "task: multi-class"],
  ["label", "task: one label of a multi-label task"],
];

/** The list of files, each with its size and, right under its name, its error if any. */
export function renderFiles(list: HTMLElement, files: readonly LoadedFile[], onRemove: (name: string) => void): void {
  list.replaceChildren(
    ...files.map((file) => {
      const errorId = `file-error-${slug(file.name)}`;
      const summary = file.table ? `${file.table.records.length} rows · ${file.table.columns.length} columns` : "not readable";
      return h(
        "li",
        { "data-file": file.name, class: file.error ? "has-error" : "" },
        h("span", { class: "file-name" }, file.name),
        " ",
        h("span", { class: "muted" }, summary),
        " ",
        removeButton(file.name, onRemove),
        h("p", { class: "field-error", id: errorId, role: "alert" }, file.error ?? ""),
      );
    }),
  );
}

function removeButton(name: string, onRemove: (name: string) => void): HTMLButtonElement {
  const button = h("button", { type: "button", class: "link", "aria-label": `Remove ${name}` }, "remove");
  button.addEventListener("click", () => onRemove(name));
  return button;
}

/** One row per column: its role, the multi-label task it belongs to, examples, and its error slot. */
/** Columns the page made from images (see images.ts): one row for all of them, not 1,280. */
const FEATURE_COLUMN = /^mobilenetv2_\d+$/;

export function renderMapping(body: HTMLElement, mapping: readonly ColumnMapping[], tables: readonly RawTable[], onChange: (next: readonly ColumnMapping[]) => void): void {
  const features = mapping.filter((m) => FEATURE_COLUMN.test(m.column));
  const grouped = features.length > 1;
  const rows = (grouped ? mapping.filter((m) => !FEATURE_COLUMN.test(m.column)) : mapping).map((m) => columnRow(m, tables, onChange));
  if (grouped) rows.push(featureRow(features, onChange));
  body.replaceChildren(...rows);
}

function roleSelect(id: string, label: string, current: ColumnRole): HTMLSelectElement {
  const role = h("select", { id: `role-${id}`, "aria-label": label });
  role.append(...ROLES.map(([value, text]) => h("option", { value, selected: value === current }, text)));
  return role;
}

function columnRow(m: ColumnMapping, tables: readonly RawTable[], onChange: (next: readonly ColumnMapping[]) => void): HTMLElement {
  const id = slug(m.column);
  const role = roleSelect(id, `Role of column ${m.column}`, m.role);
  role.dataset.column = m.column;
  const task = h("input", {
    id: `task-${id}`,
    "aria-label": `Multi-label task of column ${m.column}`,
    value: m.task ?? "labels",
    disabled: m.role !== "label",
    size: 10,
  });
  role.addEventListener("change", () => onChange([{ ...m, role: role.value as ColumnRole, task: task.value }]));
  task.addEventListener("change", () => onChange([{ ...m, task: task.value }]));
  return h(
    "tr",
    { "data-column": m.column },
    h("th", { scope: "row" }, m.column),
    h("td", {}, role, h("p", { class: "field-error", id: `column-error-${id}`, role: "alert" })),
    h("td", {}, task),
    h("td", { class: "examples" }, examples(tables, m.column)),
  );
}

/** The image features as one row: a role for all of them (numeric inputs, or ignored). */
function featureRow(features: readonly ColumnMapping[], onChange: (next: readonly ColumnMapping[]) => void): HTMLElement {
  const roles = new Set(features.map((m) => m.role));
  const role = roleSelect("image-features", "Role of the image feature columns", roles.size === 1 ? features[0].role : "numeric");
  role.addEventListener("change", () => onChange(features.map((m) => ({ ...m, role: role.value as ColumnRole }))));
  const first = features[0].column;
  const last = features[features.length - 1].column;
  return h(
    "tr",
    { "data-column": "image-features" },
    h("th", { scope: "row" }, `${first} … ${last}`),
    h("td", {}, role, h("p", { class: "field-error", id: "column-error-image-features", role: "alert" })),
    h("td", {}, ""),
    h("td", { class: "examples" }, `${features.length} MobileNetV2 features per image`),
  );
}

function examples(tables: readonly RawTable[], column: string): string {
  const seen = new Set<string>();
  for (const t of tables) {
    for (const r of t.records) {
      const v = r.values[column];
      if (v !== undefined && v !== null && cellText(v) !== "") seen.add(cellText(v));
      if (seen.size >= 4) return [...seen].join(", ") + ", …";
    }
  }
  return [...seen].join(", ");
}

/** The first rows of one file, as read (empty cells shown as "·"). */
export function renderPreview(select: HTMLSelectElement, table: HTMLTableElement, tables: readonly RawTable[]): void {
  const chosen = select.value;
  select.replaceChildren(...tables.map((t) => h("option", { value: t.file, selected: t.file === chosen }, t.file)));
  const shown = tables.find((t) => t.file === select.value) ?? tables[0];
  if (!shown) return table.replaceChildren();
  const rows = shown.records.slice(0, 5).map((r) => [String(r.line), ...shown.columns.map((c) => {
    const v = r.values[c];
    return v === undefined || v === null || cellText(v) === "" ? "·" : cellText(v);
  })]);
  textTable(table, `First rows of ${shown.file}`, ["line", ...shown.columns], rows);
}

/** Per task and source: labelled rows and the count of each class. */
export function renderLabelCounts(table: HTMLTableElement, spec: ColumnSpec, tables: readonly RawTable[]): void {
  const rows = labelCounts(spec, tables).map((c) => [
    c.task,
    c.source,
    String(c.labelled),
    Object.entries(c.counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(" · ") || "—",
  ]);
  textTable(table, "Labels per task and source", ["Task", "Source", "Labelled rows", "Counts"], rows);
}

/** Clears every error slot of the data and mapping sections, then shows the problem where it belongs. */
export function showProblem(problem: Problem | undefined, files: readonly LoadedFile[]): void {
  for (const slot of document.querySelectorAll<HTMLElement>("[id^=column-error-], #mapping-error")) slot.textContent = "";
  for (const file of files) {
    const slot = document.getElementById(`file-error-${slug(file.name)}`);
    if (slot) slot.textContent = file.error ?? "";
  }
  if (!problem) return;
  const column = problem.column ? document.getElementById(`column-error-${slug(problem.column)}`) : null;
  const file = problem.file ? document.getElementById(`file-error-${slug(problem.file)}`) : null;
  const slot = column ?? file ?? byId("mapping-error");
  slot.textContent = problem.message;
  if (column && file) file.textContent = problem.message;
}
