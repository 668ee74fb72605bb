import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildReportHtml, writeReport } from "../../src/report/index.js";
import { escapeHtml } from "../../src/report/escape.js";
import { studyResultsSchema, type StudyResults } from "../../src/study/results.js";
import { FIXTURE_PATH, MC_CLASSES, ML_LABELS, ML_TASK, MC_TASK, XSS_IMG, XSS_SCRIPT, syntheticResults } from "./fixture.js";

/** Decodes the few entities escapeHtml and vega produce, to compare attribute values with names. */
function unescapeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e]!);
}

/** The <figure class="chart"> blocks of the page, by id. */
function figures(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of html.matchAll(/<figure class="chart[^"]*" id="([^"]+)"[\s\S]*?<\/figure>/g)) found.set(match[1], match[0]);
  return found;
}

describe("synthetic fixture", () => {
  it("is valid under the results schema and matches its builder", async () => {
    const onDisk = JSON.parse(await readFile(FIXTURE_PATH, "utf8")) as unknown;
    const parsed = studyResultsSchema.safeParse(onDisk);
    assert.ok(parsed.success, parsed.success ? "" : parsed.error.message);
    assert.match(parsed.data.name, /synthetic/);
    assert.deepEqual(onDisk, syntheticResults(), "regenerate with: node --import tsx test/report/fixture.ts --write");
    const flagged = parsed.data.summary.flatMap((s) => Object.entries(s.variants).filter(([, c]) => c.verdict === "negative-transfer").map(([v]) => `${s.task}/${v}`));
    assert.deepEqual(flagged, [`${ML_TASK}/mt`]);
  });
});

describe("buildReportHtml", () => {
  let results: StudyResults;
  let html: string;
  before(async () => {
    results = syntheticResults();
    html = await buildReportHtml(results);
  });

  it("has one rendered SVG chart per expected figure, each with marks", () => {
    const charts = figures(html);
    const expected = [
      "chart-metrics",
      "chart-deltas",
      "chart-curves-0",
      "chart-curves-1",
      "chart-curves-2",
      "chart-curves-3",
      "chart-relatedness-0",
      "chart-confusion-0",
      "chart-perlabel-1",
    ];
    assert.deepEqual([...charts.keys()], expected);
    for (const [id, figure] of charts) {
      assert.match(figure, /<svg [^>]*viewBox="0 0 \d+(\.\d+)? \d+(\.\d+)?"/, `${id}: svg with viewBox`);
      assert.match(figure, /class="mark-(rect|line|symbol|rule|text) role-mark/, `${id}: vega marks`);
      const width = Number(/<svg [^>]*width="([\d.]+)"/.exec(figure)![1]);
      assert.ok(width > 100 && width < 1100, `${id}: width ${width} is sane for a laptop and scales down for a phone`);
    }
  });

  it("shows given and estimated relatedness side by side, and ST beside MT + coupling in the confusion chart", () => {
    const charts = figures(html);
    assert.match(charts.get("chart-relatedness-0")!, /given: file/);
    assert.match(charts.get("chart-relatedness-0")!, /estimated: overlap/);
    assert.match(charts.get("chart-confusion-0")!, /MT \+ coupling \(sum over 3 seeds\)/);
    assert.match(charts.get("chart-confusion-0")!, /ST \(sum over 3 seeds\)/);
  });

  it("contains no script, no image and no external resource; XSS names appear escaped", () => {
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    assert.doesNotMatch(html, /<link /i);
    assert.ok(html.includes(escapeHtml(XSS_IMG)));
    assert.ok(html.includes(escapeHtml(XSS_SCRIPT)));
  });

  it("escapes user names inside the vega SVGs too (text and aria-label attributes)", () => {
    const confusion = figures(html).get("chart-confusion-0")!;
    // Axis labels are truncated by vega, so check the escaped prefix in text, the full name in aria-labels.
    assert.match(confusion, /<text[^>]*>&lt;img src=x/);
    assert.match(confusion, /<text[^>]*>"&gt;&lt;script&gt;/);
    assert.ok(confusion.includes("&lt;img src=x onerror=alert(1)&gt;"));
    // A name that looks like a field path ("a.b[0]") is shown as written, not interpreted by vega-lite.
    assert.match(confusion, /<text[^>]*>a\.b\[0\]<\/text>/);
  });

  it("writes every task, class, label and source name escaped in the HTML tables", () => {
    const names = [MC_TASK, ML_TASK, ...MC_CLASSES, ...ML_LABELS, ...results.data.sources.map((s) => s.name)];
    for (const name of names) assert.ok(html.includes(escapeHtml(name)), `name ${name} present escaped`);
  });

  it("headline cells carry task, variant and the unrounded mean, equal to results.json", () => {
    const cells = [...html.matchAll(/<td class="num mean" data-task="([^"]*)" data-variant="([^"]*)" data-value="([^"]*)"/g)];
    const expected = results.summary.flatMap((s) => Object.entries(s.variants).map(([v, c]) => [s.task, v, c.mean] as const));
    assert.equal(cells.length, expected.length);
    for (const [task, variant, mean] of expected) {
      const cell = cells.find((c) => unescapeHtml(c[1]) === task && unescapeHtml(c[2]) === variant);
      assert.ok(cell, `cell for ${task} / ${variant}`);
      assert.equal(Number(cell[3]), mean);
    }
  });

  it("marks negative transfer exactly where results.json flags it, and lists Delta_m per variant", () => {
    const ntRows = [...html.matchAll(/<tr class="is-nt" data-task="([^"]*)" data-variant="([^"]*)"/g)].map((m) => `${unescapeHtml(m[1])}/${m[2]}`);
    assert.deepEqual(ntRows, [`${ML_TASK}/mt`]);
    for (const [variant, value] of Object.entries(results.deltaM)) {
      assert.ok(html.includes(`data-variant="${escapeHtml(variant)}" data-value="${value.mean}"`), `Delta_m of ${variant}`);
    }
  });

  it("includes config, seeds, software versions and run times", () => {
    assert.ok(html.includes(escapeHtml(JSON.stringify(results.config, null, 2))));
    assert.match(html, /<dt>seeds<\/dt><dd>1, 2, 3<\/dd>/);
    assert.ok(html.includes("<code>4.22.0</code>"));
    assert.match(html, /3 min 22 s/);
  });

  it("has print rules that keep charts and tables whole", () => {
    assert.match(html, /@media print[\s\S]*figure\.chart[^{]*\{[^}]*break-inside: avoid/);
  });

  it("copes with a study without coupling, relatedness or curves", async () => {
    const small = syntheticResults();
    small.relatedness = [];
    small.runs = small.runs.filter((r) => r.variant === "st" || r.variant === "mt").map((r) => ({ ...r, curves: [] }));
    small.variants = small.variants.filter((v) => v.id === "st" || v.id === "mt");
    for (const s of small.summary) for (const id of ["mt+coupling", "dm"]) delete s.variants[id];
    small.deltaM = { mt: small.deltaM.mt };
    const page = await buildReportHtml(small);
    assert.deepEqual([...figures(page).keys()], ["chart-metrics", "chart-deltas", "chart-confusion-0", "chart-perlabel-1"]);
  });
});

describe("writeReport", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "distmatch-report-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes report.html beside results.json, replacing an old one and leaving no temp file", async () => {
    await writeFile(join(dir, "results.json"), await readFile(FIXTURE_PATH));
    await writeFile(join(dir, "report.html"), "old report");
    const path = await writeReport(dir);
    assert.equal(path, join(dir, "report.html"));
    const written = await readFile(path, "utf8");
    assert.ok(written.startsWith("<!DOCTYPE html>"));
    assert.equal(written, await buildReportHtml(syntheticResults()), "built from results.json alone");
    assert.deepEqual((await readdir(dir)).sort(), ["report.html", "results.json"]);
  });

  it("names the file and the field when results.json does not match the schema, and keeps the old report", async () => {
    const bad = syntheticResults() as unknown as { summary: Array<{ variants: Record<string, { mean: unknown }> }> };
    bad.summary[0].variants["mt+coupling"].mean = "high";
    await writeFile(join(dir, "results.json"), JSON.stringify(bad));
    await writeFile(join(dir, "report.html"), "old report");
    await assert.rejects(writeReport(dir), (error: Error) => {
      assert.ok(error.message.includes(join(dir, "results.json")), error.message);
      assert.ok(error.message.includes('summary[0].variants["mt+coupling"].mean'), error.message);
      assert.match(error.message, /expected number/);
      return true;
    });
    assert.equal(await readFile(join(dir, "report.html"), "utf8"), "old report");
    assert.deepEqual((await readdir(dir)).sort(), ["report.html", "results.json"]);
  });

  it("names the file and the line when results.json is not JSON", async () => {
    await writeFile(join(dir, "results.json"), '{\n  "schemaVersion": 1,\n  "name": oops\n}');
    await assert.rejects(writeReport(dir), /results\.json: not valid JSON: line 3/);
  });

  it("names the file when results.json is missing", async () => {
    const empty = await mkdtemp(join(tmpdir(), "distmatch-report-empty-"));
    try {
      await assert.rejects(writeReport(empty), (error: Error) => error.message.startsWith(join(empty, "results.json")));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
