/**
 * Section 3: where the relatedness comes from, and the matrix as an editable heatmap. An edited or
 * uploaded matrix goes to the study as a relatedness file, checked by the core like the CLI's.
 */
import type { Relatedness } from "../../src/relatedness/types.js";
import type { Task } from "../../src/tasks/types.js";
import { builtinPriors } from "../../src/relatedness/priors.js";
import { alignRelatedness } from "../../src/relatedness/validate.js";
import { h } from "./dom.js";

/** A matrix for the pair (A, B) to start editing from: uniform over B's classes, or 0.5 per label. */
export function blankRelatedness(from: Task, to: Task): Relatedness {
  const rows = from.kind === "multiclass" ? from.classes : [];
  const columns = to.kind === "multiclass" ? to.classes : to.labels;
  const value = to.kind === "multiclass" ? 1 / columns.length : 0.5;
  return { from: from.name, to: to.name, toKind: to.kind, rows, columns, values: rows.map(() => columns.map(() => value)), origin: "edited" };
}

/** The first pair the study couples by default: a multi-class task A and another task B. */
export function firstPair(tasks: readonly Task[]): [Task, Task] | undefined {
  const from = tasks.find((t) => t.kind === "multiclass");
  const to = tasks.find((t) => t !== from);
  return from && to ? [from, to] : undefined;
}

export function priorNames(): string[] {
  return Object.keys(builtinPriors);
}

/** The named prior, aligned to the pair's class order; throws the core's error when it does not fit. */
export function priorFor(name: string, from: Task, to: Task): Relatedness {
  const make = builtinPriors[name];
  if (!make) throw new Error(`unknown prior "${name}"`);
  return alignRelatedness(make(), from, to, `prior ${name}`);
}

function cellColour(value: number): string {
  const light = 97 - Math.round(Math.max(0, Math.min(1, value)) * 55);
  return `hsl(210 70% ${light}%)`;
}

/** A table of number inputs coloured by value; every edit calls onEdit with the new matrix. */
export function renderHeatmap(table: HTMLTableElement, R: Relatedness, onEdit: (next: Relatedness) => void): void {
  const values = R.values.map((row) => [...row]);
  const head = h("tr", {}, h("th", { scope: "col" }, `${R.from} \\ ${R.to}`), ...R.columns.map((c) => h("th", { scope: "col" }, c)));
  const body = R.rows.map((row, k) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, row),
      ...R.columns.map((column, j) => {
        const input = h("input", {
          type: "number",
          min: 0,
          max: 1,
          step: 0.05,
          value: round(values[k][j]),
          "aria-label": `relatedness of ${R.from} ${row} to ${R.to} ${column}`,
        });
        const cell = h("td", { style: `background:${cellColour(values[k][j])}` }, input);
        input.addEventListener("change", () => {
          values[k][j] = Number(input.value);
          cell.style.background = cellColour(values[k][j]);
          onEdit({ ...R, values: values.map((r) => [...r]), support: undefined, origin: "edited" });
        });
        return cell;
      }),
    ),
  );
  table.replaceChildren(h("caption", { class: "sr" }, `Relatedness ${R.from} to ${R.to}`), h("thead", {}, head), h("tbody", {}, ...body));
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
