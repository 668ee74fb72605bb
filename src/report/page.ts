import type { StudyResults } from "../study/results.js";
import type { ChartSpec } from "./charts.js";
import { attr, escapeHtml } from "./escape.js";
import { duration, signedPercent } from "./format.js";
import type { VariantView } from "./model.js";
import { REPORT_CSS } from "./style.js";
import {
  dataTable,
  deltaMTable,
  headlineTable,
  keyValueTable,
  negativeTransfers,
  runsTable,
  tasksTable,
} from "./tables.js";

/** A chart spec with its rendered SVG. */
export interface RenderedChart extends ChartSpec {
  svg: string;
}

const SECTIONS: Array<{ id: ChartSpec["section"]; anchor: string; title: string; intro: string }> = [
  { id: "results", anchor: "results", title: "Results per task", intro: "" },
  { id: "curves", anchor: "curves", title: "Training curves", intro: "One panel per variant." },
  { id: "relatedness", anchor: "relatedness", title: "Task relatedness", intro: "Rows: classes of the source task; columns: labels or classes of the target task." },
  { id: "confusion", anchor: "confusion", title: "Confusion matrices", intro: "MT + coupling beside the single-task baseline." },
  { id: "perLabel", anchor: "per-label", title: "Per-label F1", intro: "" },
];

/** The whole page. Everything from `results` is escaped here or in tables.ts; SVGs come escaped from vega. */
export function reportPage(results: StudyResults, variants: readonly VariantView[], charts: readonly RenderedChart[]): string {
  const chartSections = SECTIONS.map((section) => chartSection(section, charts.filter((c) => c.section === section.id)));
  const toc = [
    ["headline", "Headline"],
    ...SECTIONS.filter((s) => charts.some((c) => c.section === s.id)).map((s) => [s.anchor, s.title]),
    ["data", "Data"],
    ["config", "Configuration"],
    ["software", "Software and run times"],
  ]
    .map(([anchor, title]) => `<a href="#${anchor}">${title}</a>`)
    .join("");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="distmatch report">
<title>${escapeHtml(results.name)} \u2014 distmatch study report</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(results.name)}</h1>
<p class="meta">${metaLine(results)}</p>
<nav class="toc" aria-label="Contents">${toc}</nav>
</header>
<main>
${headlineSection(results, variants)}
${chartSections.join("\n")}
${dataSection(results)}
${configSection(results)}
${softwareSection(results, variants)}
</main>
<footer>Built by distmatch from results.json alone (schema version ${escapeHtml(results.schemaVersion)}); rebuild with <code>distmatch report &lt;run dir&gt;</code>.</footer>
</body>
</html>
`;
}

function metaLine(results: StudyResults): string {
  const parts = [
    "distmatch study report",
    results.data.description ? escapeHtml(results.data.description) : "",
    `${results.seeds.length} seed${results.seeds.length === 1 ? "" : "s"}`,
    `finished ${escapeHtml(results.timing.finishedAt)}`,
    `total ${duration(results.timing.wallSeconds)}`,
  ].filter((p) => p !== "");
  return parts.map((p) => `<span>${p}</span>`).join("");
}

function headlineSection(results: StudyResults, variants: readonly VariantView[]): string {
  const tables = results.summary.map((s) => headlineTable(s, results, variants)).join("\n");
  return `<section id="headline">
<h2>Headline</h2>
${findings(results, variants)}
${tables}
<p class="muted">${protocolText(results)}</p>
${paperComparison(results, variants)}
<h3>\u0394m (Maninis et al. 2019): mean relative change against ST over all tasks</h3>
${deltaMTable(results, variants)}
</section>`;
}

/** How the verdicts were made, in one sentence. */
function protocolText(results: StudyResults): string {
  const p = results.protocol;
  const tuning = results.tuning ? ` Coupling settings chosen per split on validation data only (${results.tuning.grid.length} candidates).` : "";
  return escapeHtml(
    `${p.splitRepeats} split repeat(s) x ${p.seeds.length} seed(s); an ST and an MT run of the same split and seed form a pair. ` +
      `\u0394 is the mean paired difference, with a 95% Student t-interval over the pairs; verdict: better (interval above 0), ` +
      `no detectable difference, negative transfer (interval below 0). Checkpoint selection: ${p.selection}.${tuning}`,
  );
}

/** The papers' point definition of negative transfer (an MT mean below any ST mean), beside the verdicts. */
function paperComparison(results: StudyResults, variants: readonly VariantView[]): string {
  const items = variants.flatMap((v) => {
    const below = results.summary.filter((s) => s.variants[v.id]?.belowBaseline !== undefined);
    if (below.length === 0) return [];
    const tasks = below.filter((s) => s.variants[v.id].belowBaseline).map((s) => escapeHtml(s.task));
    return [`<li>${escapeHtml(v.name)}: ${tasks.length ? `below ST on ${tasks.join(", ")}` : "not below ST on any task"}</li>`];
  });
  return items.length ? `<p>Point comparison as in the papers (negative transfer = MT mean below any ST mean, no interval):</p><ul class="point">${items.join("")}</ul>` : "";
}

/** The two things a reader wants first: which variant helps most, and whether anything got worse. */
function findings(results: StudyResults, variants: readonly VariantView[]): string {
  const cards: string[] = [];
  const scored = variants.filter((v) => results.deltaM[v.id] !== undefined);
  if (scored.length > 0) {
    const best = scored.reduce((a, b) => (results.deltaM[b.id].mean > results.deltaM[a.id].mean ? b : a));
    const value = results.deltaM[best.id].mean;
    cards.push(
      `<div class="finding ${value > 0 ? "good" : "bad"}"><span class="muted">Best \u0394m against ST</span>` +
        `<span class="big">${escapeHtml(best.name)}: ${signedPercent(value, 2)}</span></div>`,
    );
  }
  const nts = negativeTransfers(results, variants);
  const ntText =
    nts.length === 0
      ? `<span class="big">none</span><span class="muted">no variant's 95% interval of the paired difference against ST lies below 0</span>`
      : `<span class="big">${nts.length} case${nts.length === 1 ? "" : "s"}</span>` +
        nts.map((f) => `<span class="nt">\u25bc ${escapeHtml(f.variant.name)} on ${escapeHtml(f.task)} (${signedPercent(f.relative)})</span>`).join("<br>");
  cards.push(`<div class="finding ${nts.length === 0 ? "good" : "bad"}"><span class="muted">Negative transfer</span>${ntText}</div>`);
  cards.push(
    `<div class="finding"><span class="muted">Study</span><span class="big">${results.data.tasks.length} tasks \u00b7 ${variants.length} variants</span>` +
      `<span class="muted">${escapeHtml(results.protocol.splitRepeats)} split repeat(s) \u00d7 seeds ${results.seeds.map((s) => escapeHtml(s)).join(", ")} \u00b7 test n = ${escapeHtml(results.data.test.n)}</span></div>`,
  );
  return `<div class="findings">${cards.join("")}</div>`;
}

function chartSection(section: (typeof SECTIONS)[number], charts: readonly RenderedChart[]): string {
  if (charts.length === 0) return "";
  const wide = section.id === "relatedness" || section.id === "confusion";
  const figures = charts.map((c) => figure(c, wide)).join("\n");
  const intro = section.intro ? `<p class="muted">${escapeHtml(section.intro)}</p>` : "";
  return `<section id="${section.anchor}">
<h2>${escapeHtml(section.title)}</h2>
${intro}
<div class="charts">
${figures}
</div>
</section>`;
}

function figure(chart: RenderedChart, wide: boolean): string {
  return `<figure class="chart${wide ? " wide" : ""}" ${attr("id", chart.id)} ${attr("data-chart", chart.id)}>
<figcaption><strong>${escapeHtml(chart.title)}</strong>${escapeHtml(chart.caption)}</figcaption>
${chart.svg}
</figure>`;
}

function dataSection(results: StudyResults): string {
  const facts = [
    ["input shape", `[${results.data.inputShape.map((n) => escapeHtml(n)).join(", ")}]`],
    ["validation samples", escapeHtml(results.data.validation.n)],
    ["test samples", escapeHtml(results.data.test.n)],
    ["description", results.data.description !== undefined ? escapeHtml(results.data.description) : ""],
    ["licence", results.data.licence !== undefined ? escapeHtml(results.data.licence) : ""],
  ].filter(([, value]) => value !== "");
  return `<section id="data">
<h2>Data</h2>
<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<h3>Training sources</h3>
${dataTable(results)}
<h3>Tasks</h3>
${tasksTable(results)}
</section>`;
}

function configSection(results: StudyResults): string {
  return `<section id="config">
<h2>Configuration</h2>
<dl class="facts"><dt>config hash</dt><dd><code>${escapeHtml(results.configHash)}</code></dd>
<dt>seeds</dt><dd>${results.seeds.map((s) => escapeHtml(s)).join(", ")}</dd></dl>
<pre class="config">${escapeHtml(JSON.stringify(results.config, null, 2))}</pre>
</section>`;
}

function softwareSection(results: StudyResults, variants: readonly VariantView[]): string {
  return `<section id="software">
<h2>Software and run times</h2>
<dl class="facts"><dt>started</dt><dd>${escapeHtml(results.timing.startedAt)}</dd>
<dt>finished</dt><dd>${escapeHtml(results.timing.finishedAt)}</dd>
<dt>total wall time</dt><dd>${duration(results.timing.wallSeconds)}</dd></dl>
${keyValueTable(results.software, "software", "version")}
<h3>Runs</h3>
${runsTable(results, variants)}
</section>`;
}
