import type { TopLevelSpec } from "vega-lite";
import type { RunResult, StudyResults } from "../study/results.js";
import { mean, std } from "./format.js";
import { describeInformativeness } from "../relatedness/informativeness.js";
import {
  baselineVariant,
  couplingVariant,
  runsFor,
  variantColourScale,
  type VariantView,
} from "./model.js";

/**
 * Vega-Lite specs for every chart of the report. User strings (task, class, label, source and
 * variant names) only ever travel as data values or titles, never as field names or expressions,
 * so a name like "a.b" or "datum['x']" is displayed as written, not interpreted.
 */

export interface ChartSpec {
  /** Stable id, also used to prefix ids inside the SVG. */
  id: string;
  /** Section the chart belongs to. */
  section: "results" | "curves" | "relatedness" | "confusion" | "perLabel";
  /** Heading above the chart (plain text; escaped when written). */
  title: string;
  /** One sentence saying what is drawn (plain text; escaped when written). */
  caption: string;
  spec: TopLevelSpec;
}

type Spec = Record<string, unknown>;
type Row = Record<string, string | number | boolean>;

const FONT = "Helvetica, Arial, sans-serif";
const CONFIG: Spec = {
  font: FONT,
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: "normal", labelLimit: 140 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 200, orient: "bottom", direction: "horizontal", columns: 2, columnPadding: 16 },
  title: { fontSize: 13, anchor: "start", subtitleFontSize: 11, subtitleColor: "#555" },
  header: { labelFontSize: 11, titleFontSize: 11 },
  concat: { spacing: 24 },
};
const NT_COLOUR = "#c0392b";

function topLevel(spec: Spec): TopLevelSpec {
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", config: CONFIG, ...spec } as unknown as TopLevelSpec;
}

/** Every chart the results support, in page order. */
export function reportCharts(results: StudyResults, variants: readonly VariantView[]): ChartSpec[] {
  return [
    ...metricCharts(results, variants),
    ...curveCharts(results, variants),
    ...relatednessCharts(results),
    ...confusionCharts(results, variants),
    ...perLabelCharts(results, variants),
  ];
}

// ---------------------------------------------------------------------------------------------
// Headline metric per task and variant

function taskAxisName(task: string, metric: string): string {
  return `${task} (${metric})`;
}

function metricCharts(results: StudyResults, variants: readonly VariantView[]): ChartSpec[] {
  const bars: Row[] = [];
  const seeds: Row[] = [];
  const deltas: Row[] = [];
  for (const summary of results.summary) {
    const task = taskAxisName(summary.task, summary.metric);
    for (const variant of variants) {
      const cell = summary.variants[variant.id];
      if (!cell) continue;
      const nt = cell.verdict === "negative-transfer";
      bars.push({ task, variant: variant.name, mean: cell.mean, lo: cell.mean - cell.std, hi: cell.mean + cell.std, nt });
      for (const value of cell.values) seeds.push({ task, variant: variant.name, value });
      if (cell.delta) deltas.push({ task, variant: variant.name, delta: cell.delta.absolute, nt });
    }
  }
  if (bars.length === 0) return [];
  const tasks = results.summary.map((s) => taskAxisName(s.task, s.metric));
  const names = variants.filter((v) => bars.some((b) => b.variant === v.name)).map((v) => v.name);
  const charts: ChartSpec[] = [
    {
      id: "chart-metrics",
      section: "results",
      title: "Test metric per task and variant",
      caption: "Bars: mean over (split, seed) runs; whiskers: \u00b1 one standard deviation; dots: individual runs; \u25bc marks negative transfer (95% interval of the paired difference below 0).",
      spec: groupedBars(bars, seeds, tasks, names, variants, "mean \u00b1 std over seeds"),
    },
  ];
  if (deltas.length > 0) {
    charts.push({
      id: "chart-deltas",
      section: "results",
      title: "Change against single-task (ST)",
      caption: "Mean paired difference of the test metric from the ST baseline of the same task (same split, same seed); \u25bc marks negative transfer (95% interval below 0).",
      spec: deltaBars(deltas, tasks, names.filter((n) => deltas.some((d) => d.variant === n)), variants),
    });
  }
  return charts;
}

function groupedWidth(groups: number, perGroup: number): number {
  return Math.max(340, Math.min(520, groups * (perGroup * 24 + 36)));
}

/** Task names under grouped bars may be long: let each use its band's width, no more. */
function taskAxis(tasks: string[], width: number): Spec {
  return { field: "task", type: "nominal", sort: tasks, title: null, axis: { labelAngle: 0, labelLimit: Math.floor(width / tasks.length) - 6 } };
}

function groupedBars(
  bars: Row[],
  seeds: Row[],
  tasks: string[],
  names: string[],
  variants: readonly VariantView[],
  yTitle: string,
): TopLevelSpec {
  const { width, x, xOffset, colour } = groupedEncoding(tasks, names, variants);
  return topLevel({
    width,
    height: 220,
    layer: [
      {
        data: { values: bars },
        mark: { type: "bar" },
        encoding: { x, xOffset, color: colour, y: { field: "mean", type: "quantitative", title: yTitle } },
      },
      {
        data: { values: bars },
        mark: { type: "rule", color: "#222", strokeWidth: 1.2 },
        encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
      },
      {
        data: { values: seeds },
        mark: { type: "circle", size: 14, color: "#222", opacity: 0.7 },
        encoding: { x, xOffset, y: { field: "value", type: "quantitative" } },
      },
      {
        data: { values: bars.filter((b) => b.nt) },
        mark: { type: "text", text: "\u25bc", color: NT_COLOUR, dy: -9, fontSize: 13 },
        encoding: { x, xOffset, y: { field: "hi", type: "quantitative" } },
      },
    ],
  });
}

/** Tasks on the x axis, one bar per variant inside each task, coloured by variant: shared by the grouped charts. */
function groupedEncoding(tasks: string[], names: string[], variants: readonly VariantView[]) {
  const width = groupedWidth(tasks.length, names.length);
  return {
    width,
    x: taskAxis(tasks, width),
    xOffset: { field: "variant", type: "nominal", sort: names },
    colour: {
      field: "variant",
      type: "nominal",
      title: null,
      scale: variantColourScale(variants.filter((v) => names.includes(v.name))),
    },
  };
}

function deltaBars(deltas: Row[], tasks: string[], names: string[], variants: readonly VariantView[]): TopLevelSpec {
  const { width, x, xOffset, colour } = groupedEncoding(tasks, names, variants);
  return topLevel({
    width,
    height: 160,
    data: { values: deltas },
    layer: [
      {
        mark: { type: "bar" },
        encoding: { x, xOffset, color: colour, y: { field: "delta", type: "quantitative", title: "\u0394 vs ST (absolute)" } },
      },
      { data: { values: [{ zero: 0 }] }, mark: { type: "rule", color: "#444" }, encoding: { y: { field: "zero", type: "quantitative" } } },
      {
        transform: [{ filter: "datum.nt" }],
        mark: { type: "text", text: "\u25bc", color: NT_COLOUR, baseline: "top", dy: 3, fontSize: 13 },
        encoding: { x, xOffset, y: { field: "delta", type: "quantitative" } },
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Training curves: mean over the seeds that reached each epoch

/** Loss-term name of one run's curve; single-task runs get their task appended so runs stay apart. */
function seriesName(term: string, run: RunResult): string {
  if (run.task === undefined || term === `sup:${run.task}`) return term;
  return `${term} (${run.task})`;
}

/** A "total" beside a single other term (a single-task run) repeats that term; drawing it hides it. */
function redundantTotal(term: string, losses: Record<string, number>): boolean {
  return term === "total" && Object.keys(losses).length === 2;
}

function meanOverSeeds(points: Array<{ series: string; epoch: number; value: number }>): Row[] {
  const groups = new Map<string, { series: string; epoch: number; values: number[] }>();
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const key = JSON.stringify([p.series, p.epoch]);
    const group = groups.get(key) ?? { series: p.series, epoch: p.epoch, values: [] };
    group.values.push(p.value);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({ series: g.series, epoch: g.epoch, value: mean(g.values), seeds: g.values.length }));
}

function curveCharts(results: StudyResults, variants: readonly VariantView[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  variants.forEach((variant, index) => {
    const runs = results.runs.filter((run) => run.variant === variant.id && run.curves.length > 0);
    if (runs.length === 0) return;
    const losses = meanOverSeeds(
      runs.flatMap((run) =>
        run.curves.flatMap((rec) =>
          Object.entries(rec.losses)
            .filter(([term]) => !redundantTotal(term, rec.losses))
            .map(([term, value]) => ({ series: seriesName(term, run), epoch: rec.epoch, value })),
        ),
      ),
    );
    const validation = meanOverSeeds(
      runs.flatMap((run) =>
        run.curves.flatMap((rec) =>
          Object.entries(rec.validation)
            .filter(([task]) => run.task === undefined || task === run.task)
            .map(([task, value]) => ({ series: task, epoch: rec.epoch, value })),
        ),
      ),
    );
    const seedCount = new Set(runs.map((r) => r.seed)).size;
    charts.push({
      id: `chart-curves-${index}`,
      section: "curves",
      title: variant.name,
      caption: `Mean over ${seedCount} seed${seedCount === 1 ? "" : "s"} (at each epoch, over the seeds that reached it). Top: training loss terms; bottom: validation metric per task.`,
      spec: topLevel({
        vconcat: [linePanel(losses, "training loss"), linePanel(validation, "validation metric")],
        resolve: { scale: { color: "independent" } },
      }),
    });
  });
  return charts;
}

function linePanel(rows: Row[], yTitle: string): Spec {
  const series = [...new Set(rows.map((r) => String(r.series)))];
  return {
    width: 300,
    height: 130,
    data: { values: rows },
    mark: { type: "line", point: { size: 18 }, strokeWidth: 1.6 },
    encoding: {
      x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1, format: "d" } },
      y: { field: "value", type: "quantitative", title: yTitle, scale: { zero: false } },
      color: { field: "series", type: "nominal", sort: series, title: null, legend: { columns: 2 } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Heatmaps: relatedness and confusion matrices

interface Matrix {
  title: string;
  rows: string[];
  columns: string[];
  values: number[][];
  /** Text shown in each cell; defaults to the value with two decimals. */
  text?: string[][];
  rowTitle: string;
  columnTitle: string;
}

function cellStep(rows: number, columns: number): number {
  return Math.max(6, Math.min(30, Math.floor(420 / Math.max(rows, columns, 1))));
}

function heatmapPanel(matrix: Matrix, colourTitle: string, domain: [number, number]): Spec {
  const step = cellStep(matrix.rows.length, matrix.columns.length);
  const cells: Row[] = [];
  matrix.rows.forEach((row, i) =>
    matrix.columns.forEach((column, j) => {
      const value = matrix.values[i]?.[j];
      if (typeof value !== "number" || !Number.isFinite(value)) return;
      const text = matrix.text?.[i]?.[j] ?? value.toFixed(2);
      cells.push({ row, column, value, text, dark: value > domain[0] + 0.6 * (domain[1] - domain[0]) });
    }),
  );
  // Axis titles are names from user files; keep them within the matrix so they cannot stretch the chart.
  const x = {
    field: "column",
    type: "nominal",
    sort: matrix.columns,
    title: matrix.columnTitle,
    axis: { labelAngle: -45, labelLimit: 110, titleLimit: Math.max(80, step * matrix.columns.length) },
  };
  const y = {
    field: "row",
    type: "nominal",
    sort: matrix.rows,
    title: matrix.rowTitle,
    axis: { labelLimit: 110, titleLimit: Math.max(80, step * matrix.rows.length) },
  };
  const layers: Spec[] = [
    {
      mark: { type: "rect", stroke: "#fff", strokeWidth: step > 10 ? 1 : 0 },
      encoding: {
        x,
        y,
        color: { field: "value", type: "quantitative", title: colourTitle, scale: { scheme: "blues", domain } },
      },
    },
  ];
  if (step >= 22) {
    layers.push({
      mark: { type: "text", fontSize: step >= 28 ? 10 : 8 },
      encoding: {
        x,
        y,
        text: { field: "text", type: "nominal" },
        color: { condition: { test: "datum.dark", value: "#fff" }, value: "#111" },
      },
    });
  }
  return {
    title: matrix.title,
    width: { step },
    height: { step },
    data: { values: cells },
    layer: layers,
  };
}

function sideBySide(panels: Spec[]): TopLevelSpec {
  if (panels.length === 1) return topLevel({ ...panels[0], config: { ...CONFIG, legend: { ...(CONFIG.legend as Spec), direction: "vertical", orient: "right" } } });
  return topLevel({
    hconcat: panels,
    resolve: { scale: { color: "shared" } },
    config: { ...CONFIG, legend: { ...(CONFIG.legend as Spec), direction: "vertical", orient: "right" } },
  });
}

function relatednessCharts(results: StudyResults): ChartSpec[] {
  return results.relatedness.flatMap((entry, index) => {
    const pair = entry.given && entry.estimated ? [entry.given, entry.estimated] : [entry.used];
    const panels = pair.map((r, i) => {
      const role = pair.length === 1 ? `used (${entry.method})` : i === 0 ? "given" : "estimated";
      return heatmapPanel(
        {
          title: r.origin ? `${role}: ${r.origin}` : role,
          rows: r.rows,
          columns: r.columns,
          values: r.values,
          rowTitle: r.from,
          columnTitle: r.to,
        },
        entry.used.toKind === "multiclass" ? "P(b = j | a = k)" : "P(b_j = 1 | a = k)",
        [0, 1],
      );
    });
    const used = entry.used;
    return [
      {
        id: `chart-relatedness-${index}`,
        section: "relatedness" as const,
        title: `${used.from} \u2192 ${used.to}`,
        caption:
          (pair.length === 2
            ? `Relatedness R[k][j] given (left) and estimated from data (right); method used in training: ${entry.method}.`
            : `Relatedness R[k][j] used in training (method: ${entry.method}).`) +
          (entry.check ? ` What it tells before training: ${describeInformativeness(used.from, used.to, entry.check)}.` : ""),
        spec: sideBySide(panels),
      },
    ];
  });
}

/** Sum of the confusion matrices of one variant's runs for a task (counts over seeds). */
function summedConfusion(runs: readonly RunResult[], task: string, size: number): number[][] | undefined {
  const matrices = runs.map((run) => run.metrics[task]?.confusion).filter((m): m is number[][] => m !== undefined);
  if (matrices.length === 0) return undefined;
  const total = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const m of matrices) m.forEach((row, i) => row.forEach((v, j) => { if (i < size && j < size) total[i][j] += v; }));
  return total;
}

function confusionCharts(results: StudyResults, variants: readonly VariantView[]): ChartSpec[] {
  const chosen = [couplingVariant(variants), baselineVariant(variants)].filter((v): v is VariantView => v !== undefined);
  const charts: ChartSpec[] = [];
  results.data.tasks.forEach((task, index) => {
    if (task.kind !== "multiclass") return;
    const panels = chosen.flatMap((variant) => {
      const runs = runsFor(results, variant.id, task.name);
      const counts = summedConfusion(runs, task.name, task.classes.length);
      if (!counts) return [];
      const shares = counts.map((row) => {
        const n = row.reduce((a, b) => a + b, 0);
        return row.map((v) => (n > 0 ? v / n : 0));
      });
      return [
        heatmapPanel(
          {
            title: `${variant.name} (sum over ${runs.length} seed${runs.length === 1 ? "" : "s"})`,
            rows: task.classes,
            columns: task.classes,
            values: shares,
            text: counts.map((row) => row.map((v) => String(Math.round(v)))),
            rowTitle: "true class",
            columnTitle: "predicted class",
          },
          "share of true class",
          [0, 1],
        ),
      ];
    });
    if (panels.length === 0) return;
    charts.push({
      id: `chart-confusion-${index}`,
      section: "confusion",
      title: task.name,
      caption: "Confusion matrix on the test set, counts summed over seeds; colour: share of the true class (row-normalised).",
      spec: sideBySide(panels),
    });
  });
  return charts;
}

// ---------------------------------------------------------------------------------------------
// Per-label F1 of multi-label tasks

function perLabelCharts(results: StudyResults, variants: readonly VariantView[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  results.data.tasks.forEach((task, index) => {
    if (task.kind !== "multilabel") return;
    const bars: Row[] = [];
    const names: string[] = [];
    for (const variant of variants) {
      const perRun = runsFor(results, variant.id, task.name)
        .map((run) => run.metrics[task.name]?.perLabelF1)
        .filter((f): f is number[] => f !== undefined);
      if (perRun.length === 0) continue;
      names.push(variant.name);
      task.labels.forEach((label, j) => {
        const values = perRun.map((f) => f[j]).filter((v) => typeof v === "number" && Number.isFinite(v));
        if (values.length === 0) return;
        const m = mean(values);
        const s = std(values);
        bars.push({ label, variant: variant.name, mean: m, lo: Math.max(0, m - s), hi: Math.min(1, m + s) });
      });
    }
    if (bars.length === 0) return;
    charts.push({
      id: `chart-perlabel-${index}`,
      section: "perLabel",
      title: task.name,
      caption: "Test F1 per label: mean over seeds, whiskers \u00b1 one standard deviation.",
      spec: perLabelBars(bars, task.labels, names, variants),
    });
  });
  return charts;
}

function perLabelBars(bars: Row[], labels: string[], names: string[], variants: readonly VariantView[]): TopLevelSpec {
  const x = {
    field: "label",
    type: "nominal",
    sort: labels,
    title: null,
    axis: { labelAngle: labels.length > 6 || labels.some((l) => l.length > 6) ? -40 : 0, labelLimit: 110 },
  };
  const xOffset = { field: "variant", type: "nominal", sort: names };
  const colour = {
    field: "variant",
    type: "nominal",
    title: null,
    scale: variantColourScale(variants.filter((v) => names.includes(v.name))),
  };
  return topLevel({
    width: Math.max(340, Math.min(620, labels.length * (names.length * 12 + 12))),
    height: 180,
    data: { values: bars },
    layer: [
      { mark: { type: "bar" }, encoding: { x, xOffset, color: colour, y: { field: "mean", type: "quantitative", title: "F1", scale: { domain: [0, 1] } } } },
      { mark: { type: "rule", color: "#222" }, encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
    ],
  });
}
