import type { RunResult, StudyResults, VariantRecord } from "../study/results.js";

/**
 * Read-only views of a StudyResults that the tables and charts share: variant order and names,
 * which variant is the single-task baseline, which one is "MT + coupling", and run lookups.
 */

/** Single-task variants grey, then distinct colours in the study's variant order. */
const MT_PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d", "#ff9da6"];
const ST_COLOUR = "#9a9a9a";

export interface VariantView {
  id: string;
  /** Display name, unique within the study (the label, or "label (id)" when labels repeat). */
  name: string;
  description: string;
  singleTask: boolean;
  colour: string;
}

export function variantViews(results: StudyResults): VariantView[] {
  const known = results.variants.map((v) => v.id);
  // Variants that appear only in the summary or the runs still get a row and a colour.
  const extraIds = [
    ...results.summary.flatMap((s) => Object.keys(s.variants)),
    ...results.runs.map((r) => r.variant),
  ].filter((id, index, all) => !known.includes(id) && all.indexOf(id) === index);
  const records: VariantRecord[] = [
    ...results.variants,
    ...extraIds.map((id) => ({ id, label: id, description: "", singleTask: false })),
  ];
  const labelCounts = countBy(records.map((v) => v.label || v.id));
  let mtIndex = 0;
  return records.map((v) => {
    const label = v.label || v.id;
    return {
      id: v.id,
      name: labelCounts.get(label)! > 1 ? `${label} (${v.id})` : label,
      description: v.description,
      singleTask: v.singleTask,
      colour: v.singleTask ? ST_COLOUR : MT_PALETTE[mtIndex++ % MT_PALETTE.length],
    };
  });
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/** The single-task baseline: the variant with id "st", else the first single-task variant. */
export function baselineVariant(variants: readonly VariantView[]): VariantView | undefined {
  return variants.find((v) => v.id === "st") ?? variants.find((v) => v.singleTask);
}

/** "MT + coupling": id "mt+coupling", else the first MT variant other than plain "mt", else "mt". */
export function couplingVariant(variants: readonly VariantView[]): VariantView | undefined {
  return (
    variants.find((v) => v.id === "mt+coupling") ??
    variants.find((v) => !v.singleTask && v.id !== "mt") ??
    variants.find((v) => !v.singleTask)
  );
}

/** Runs of one variant that evaluated `task` (single-task runs only for their own task). */
export function runsFor(results: StudyResults, variantId: string, task: string): RunResult[] {
  return results.runs.filter(
    (run) => run.variant === variantId && (run.task === undefined || run.task === task) && task in run.metrics,
  );
}

/** Colour scale shared by every chart, so a variant has one colour throughout the page. */
export function variantColourScale(variants: readonly VariantView[]): { domain: string[]; range: string[] } {
  return { domain: variants.map((v) => v.name), range: variants.map((v) => v.colour) };
}
