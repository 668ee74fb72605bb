import type { StudyResults, TaskSummary } from "../study/results.js";
import { attr, escapeHtml } from "./escape.js";
import { duration, fixed, signed, signedPercent } from "./format.js";
import { baselineVariant, type VariantView } from "./model.js";
import { verdictLabels } from "../study/statistics.js";
import type { VerdictRecord } from "../study/results.js";

/**
 * The report's tables as HTML strings. Every value from results.json goes through escapeHtml;
 * headline cells carry data-task / data-variant / data-value (the unrounded mean) so a test can
 * compare the page with results.json.
 */

function table(head: string[], rows: string[], className = "", caption = ""): string {
  const captionHtml = caption ? `<caption>${caption}</caption>` : "";
  const headHtml = head.map((h) => `<th scope="col">${h}</th>`).join("");
  return `<div class="table-wrap"><table class="${className}">${captionHtml}<thead><tr>${headHtml}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

export interface Finding {
  task: string;
  variant: VariantView;
  relative: number | undefined;
}

/** Every (task, variant) whose verdict is negative transfer (95% interval of the paired difference below 0). */
export function negativeTransfers(results: StudyResults, variants: readonly VariantView[]): Finding[] {
  return results.summary.flatMap((summary) =>
    variants
      .filter((v) => summary.variants[v.id]?.verdict === "negative-transfer")
      .map((variant) => ({ task: summary.task, variant, relative: summary.variants[variant.id].delta?.relative })),
  );
}

/** "[−0.012, +0.030]", or a note when one pair leaves no interval. */
export function intervalText(lower: number | null, upper: number | null, format: (v: number) => string): string {
  return lower === null || upper === null ? "n/a (1 pair)" : `[${format(lower)}, ${format(upper)}]`;
}

function verdictMarker(verdict: VerdictRecord | undefined): string {
  if (verdict === "negative-transfer") {
    return `<span class="nt" title="95% interval of the paired difference below 0">\u25bc<span class="nt-text"> negative transfer</span></span>`;
  }
  if (verdict === "better") return `<span class="up" title="95% interval of the paired difference above 0">\u25b2 better</span>`;
  return verdict ? `<span class="muted">${verdictLabels[verdict]}</span>` : "";
}

/** Per-task headline: variants as rows, mean ± std, paired delta vs ST with its 95% interval, verdict, point comparison. */
export function headlineTable(summary: TaskSummary, results: StudyResults, variants: readonly VariantView[]): string {
  const baseline = baselineVariant(variants);
  const task = results.data.tasks.find((t) => t.name === summary.task);
  const testN = results.runs.find((r) => r.metrics[summary.task])?.metrics[summary.task].n;
  const rows = variants
    .filter((v) => summary.variants[v.id] !== undefined)
    .map((variant) => {
      const cell = summary.variants[variant.id];
      const nt = cell.verdict === "negative-transfer";
      const dataAttrs = `${attr("data-task", summary.task)} ${attr("data-variant", variant.id)}`;
      const deltaClass = cell.delta ? (cell.delta.absolute > 0 ? "up" : cell.delta.absolute < 0 ? "down" : "") : "";
      const seeds = cell.values.map((v) => fixed(v)).join(", ");
      const marker = variant.id === baseline?.id ? `<span class="muted baseline-text">baseline</span>` : verdictMarker(cell.verdict);
      const ci = cell.delta ? intervalText(cell.delta.lower, cell.delta.upper, (v) => signed(v)) : "\u2014";
      const point = cell.belowBaseline === undefined ? "\u2014" : cell.belowBaseline ? "below ST" : "not below";
      return (
        `<tr class="${nt ? "is-nt" : ""}" ${dataAttrs}>` +
        `<th scope="row"><span class="swatch" style="background:${variant.colour}"></span>${escapeHtml(variant.name)}` +
        `<span class="vid">${escapeHtml(variant.id)}</span></th>` +
        `<td class="num mean" ${dataAttrs} ${attr("data-value", cell.mean)} ${attr("data-std", cell.std)}>` +
        `<strong>${fixed(cell.mean)}</strong> <span class="pm">\u00b1 ${fixed(cell.std)}</span></td>` +
        `<td class="num ${deltaClass}" ${attr("data-delta", cell.delta?.absolute ?? "")}>${cell.delta ? signed(cell.delta.absolute) : "\u2014"}</td>` +
        `<td class="num ci" ${attr("data-lower", cell.delta?.lower ?? "")} ${attr("data-upper", cell.delta?.upper ?? "")}>${ci}</td>` +
        `<td class="num ${deltaClass}">${cell.delta ? signedPercent(cell.delta.relative) : "\u2014"}</td>` +
        `<td class="verdict" ${attr("data-verdict", cell.verdict ?? "")}>${marker}</td>` +
        `<td class="point">${point}</td>` +
        `<td class="seeds">${seeds}</td></tr>`
      );
    });
  const kind = task ? (task.kind === "multiclass" ? `multi-class, ${task.classes.length} classes` : `multi-label, ${task.labels.length} labels`) : "";
  const caption =
    `<span class="task-name">${escapeHtml(summary.task)}</span> ` +
    `<span class="muted">${escapeHtml(summary.metric)}${kind ? ` \u00b7 ${kind}` : ""}${testN !== undefined ? ` \u00b7 n test = ${escapeHtml(testN)}` : ""}</span>`;
  return table(
    ["variant", `${escapeHtml(summary.metric)} (mean \u00b1 std)`, "\u0394 vs ST (paired)", "95% CI", "\u0394 rel.", "verdict", "point comparison", "per run (split, seed)"],
    rows,
    "headline",
    caption,
  );
}

/** Delta_m per variant: per pair the mean over tasks of the relative change against ST; mean and 95% interval over pairs. */
export function deltaMTable(results: StudyResults, variants: readonly VariantView[]): string {
  const ids = Object.keys(results.deltaM);
  const ordered = [...variants.filter((v) => ids.includes(v.id))];
  if (ordered.length === 0) return `<p class="muted">No \u0394m in the results.</p>`;
  const best = Math.max(...ordered.map((v) => results.deltaM[v.id].mean));
  const rows = ordered.map((v) => {
    const value = results.deltaM[v.id];
    const cls = value.mean > 0 ? "up" : value.mean < 0 ? "down" : "";
    const star = value.mean === best && value.mean > 0 ? ` <span class="best">best</span>` : "";
    return (
      `<tr ${attr("data-variant", v.id)}><th scope="row"><span class="swatch" style="background:${v.colour}"></span>${escapeHtml(v.name)}<span class="vid">${escapeHtml(v.id)}</span></th>` +
      `<td class="num ${cls} deltam" ${attr("data-variant", v.id)} ${attr("data-value", value.mean)}>${signedPercent(value.mean, 2)}${star}</td>` +
      `<td class="num">${intervalText(value.lower, value.upper, (x) => signedPercent(x, 2))}</td>` +
      `<td>${verdictMarker(value.verdict)}</td></tr>`
    );
  });
  return table(["variant", "\u0394m", "95% CI", "verdict"], rows, "deltam");
}

/** Sources with their sizes and how many samples carry each task; then validation/test sizes. */
export function dataTable(results: StudyResults): string {
  const taskNames = results.data.tasks.map((t) => t.name);
  const rows = results.data.sources.map(
    (source) =>
      `<tr><th scope="row">${escapeHtml(source.name)}</th><td class="num">${escapeHtml(source.n)}</td>` +
      taskNames.map((t) => `<td class="num">${source.annotated[t] !== undefined ? escapeHtml(source.annotated[t]) : "\u2014"}</td>`).join("") +
      `</tr>`,
  );
  const emptyCells = taskNames.map(() => `<td class="num muted">all</td>`).join("");
  rows.push(`<tr class="split"><th scope="row">validation</th><td class="num">${escapeHtml(results.data.validation.n)}</td>${emptyCells}</tr>`);
  rows.push(`<tr class="split"><th scope="row">test</th><td class="num">${escapeHtml(results.data.test.n)}</td>${emptyCells}</tr>`);
  return table(
    ["source", "samples", ...taskNames.map((t) => `annotated: ${escapeHtml(t)}`)],
    rows,
    "data",
  );
}

/** Tasks with their classes or labels. */
export function tasksTable(results: StudyResults): string {
  const rows = results.data.tasks.map((task) => {
    const names = task.kind === "multiclass" ? task.classes : task.labels;
    const list = names.map((n) => `<span class="chip">${escapeHtml(n)}</span>`).join(" ");
    return `<tr><th scope="row">${escapeHtml(task.name)}</th><td>${task.kind === "multiclass" ? "multi-class" : "multi-label"}</td><td class="num">${names.length}</td><td>${list}</td></tr>`;
  });
  return table(["task", "kind", "#", "classes / labels"], rows, "tasks");
}

/** A key/value table for software versions. */
export function keyValueTable(record: Record<string, string>, keyTitle: string, valueTitle: string): string {
  const rows = Object.entries(record).map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`);
  return table([keyTitle, valueTitle], rows, "kv");
}

/** One row per run: variant, task (ST), seed, epochs, best epoch, wall time. */
export function runsTable(results: StudyResults, variants: readonly VariantView[]): string {
  const order = (id: string) => {
    const i = variants.findIndex((v) => v.id === id);
    return i < 0 ? variants.length : i;
  };
  const runs = [...results.runs].sort((a, b) => order(a.variant) - order(b.variant) || a.seed - b.seed);
  const rows = runs.map((run) => {
    const variant = variants.find((v) => v.id === run.variant);
    return (
      `<tr><th scope="row">${escapeHtml(variant?.name ?? run.variant)}</th><td>${run.task !== undefined ? escapeHtml(run.task) : "all"}</td>` +
      `<td class="num">${escapeHtml(run.seed)}</td><td class="num">${escapeHtml(run.epochs)}</td><td class="num">${escapeHtml(run.bestEpoch)}</td>` +
      `<td class="num">${duration(run.wallSeconds)}</td></tr>`
    );
  });
  return table(["variant", "task", "seed", "epochs", "best epoch", "wall time"], rows, "runs");
}
