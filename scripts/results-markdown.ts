/**
 * Prints a study's headline as a Markdown table (for the README's results section):
 * `tsx scripts/results-markdown.ts runs/soybean runs/zoo ...`
 * Cells: mean over (split, seed) runs in %, then the mean paired difference against ST with its 95%
 * t-interval in points; **NT** = negative transfer (interval below 0), ▲ = better (interval above 0).
 */
import { readResults } from "../src/report/index.js";
import type { StudyResults } from "../src/study/results.js";

const pct = (v: number): string => (v * 100).toFixed(1);
const signedPct = (v: number): string => `${v >= 0 ? "+" : "−"}${Math.abs(v * 100).toFixed(1)}`;

function cellText(c: StudyResults["summary"][number]["variants"][string]): string {
  if (!c.delta) return `${pct(c.mean)} ± ${pct(c.std)}`;
  const { absolute, lower, upper } = c.delta;
  const ci = lower === null || upper === null ? "" : ` [${signedPct(lower)}, ${signedPct(upper)}]`;
  const mark = c.verdict === "negative-transfer" ? " **NT**" : c.verdict === "better" ? " ▲" : "";
  return `${pct(c.mean)} (${signedPct(absolute)}${ci})${mark}`;
}

export function resultsMarkdown(r: StudyResults): string {
  const labels = new Map(r.variants.map((v) => [v.id, v.label]));
  const ids = r.variants.map((v) => v.id);
  const p = r.protocol;
  const lines: string[] = [];
  const tuning = r.tuning ? `, coupling tuned on validation (${r.tuning.grid.length} candidates)` : "";
  const relatedness = r.relatedness.map((x) => `${x.used.from}→${x.used.to} ${x.method}`).join(", ") || "none";
  lines.push(`**${r.name}** (${p.splitRepeats} split${p.splitRepeats === 1 ? "" : "s"} × ${p.seeds.length} seeds = ${p.splitRepeats * p.seeds.length} pairs, test n = ${r.data.test.n}, relatedness: ${relatedness}${tuning})`, "");
  lines.push(`| task (metric) | ${ids.map((id) => labels.get(id)).join(" | ")} |`);
  lines.push(`|---|${ids.map(() => "---").join("|")}|`);
  for (const t of r.summary) {
    lines.push(`| ${t.task} (${t.metric}) | ${ids.map((id) => (t.variants[id] ? cellText(t.variants[id]) : "")).join(" | ")} |`);
  }
  const dm = Object.entries(r.deltaM)
    .map(([id, v]) => `${labels.get(id)} ${signedPct(v.mean)}%${v.lower === null || v.upper === null ? "" : ` [${signedPct(v.lower)}, ${signedPct(v.upper)}]`}`)
    .join(", ");
  const point = ids
    .filter((id) => r.summary.some((t) => t.variants[id]?.belowBaseline))
    .map((id) => `${labels.get(id)} (${r.summary.filter((t) => t.variants[id]?.belowBaseline).map((t) => t.task).join(", ")})`);
  lines.push("", `Δm [95% CI]: ${dm}. Point comparison (mean below ST, the papers' definition): ${point.length ? point.join(", ") : "none"}. Wall time ${r.timing.wallSeconds.toFixed(0)} s.`, "");
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const dir of process.argv.slice(2)) console.log(resultsMarkdown(await readResults(`${dir}/results.json`)));
}
