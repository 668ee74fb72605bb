import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StudyResults } from "../study/results.js";
import { reportCharts } from "./charts.js";
import { readResults } from "./load.js";
import { variantViews } from "./model.js";
import { reportPage, type RenderedChart } from "./page.js";
import { renderSvg } from "./render.js";

export { ResultsFileError, parseResults, readResults } from "./load.js";
export { escapeHtml } from "./escape.js";

/**
 * The study report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)
 * built from a results object alone. Charts are Vega-Lite specs rendered to SVG by vega in Node.
 */
export async function buildReportHtml(results: StudyResults): Promise<string> {
  const variants = variantViews(results);
  const specs = reportCharts(results, variants);
  const charts: RenderedChart[] = [];
  // One at a time: vega views are cheap, and sequential rendering keeps ids and memory predictable.
  for (const chart of specs) charts.push({ ...chart, svg: await renderSvg(chart.spec, chart.id) });
  return reportPage(results, variants, charts);
}

/** Reads runDir/results.json, validates it, writes runDir/report.html atomically; returns its path. */
export async function writeReport(runDir: string): Promise<string> {
  const results = await readResults(join(runDir, "results.json"));
  const html = await buildReportHtml(results);
  const target = join(runDir, "report.html");
  await writeAtomically(target, html);
  return target;
}

async function writeAtomically(target: string, text: string): Promise<void> {
  const temp = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temp, text, "utf8");
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
