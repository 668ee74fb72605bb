/**
 * Opens a real report in headless Debian Chromium (playwright-core, /usr/bin/chromium): no console
 * errors, no dialogs (the XSS names must not run), no network requests, every chart drawn, table
 * values equal to results.json, nothing overflowing a phone-width viewport. Screenshots go to
 * test-artifacts/. Skips when chromium is missing, except under CI (env CI set), where it fails.
 * Install the browser with .ci/install-browser.sh.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { writeReport } from "../../src/report/index.js";
import type { StudyResults } from "../../src/study/results.js";
import { FIXTURE_PATH } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve("test-artifacts");
const haveChromium = existsSync(CHROMIUM);
const skip =
  !haveChromium && !process.env.CI
    ? `${CHROMIUM} not found; run .ci/install-browser.sh to enable the browser test`
    : false;

interface PageProblems {
  console: string[];
  dialogs: string[];
  requests: string[];
}

/** Records everything that must not happen: console errors, page errors, dialogs, network requests. */
function watch(page: Page): PageProblems {
  const problems: PageProblems = { console: [], dialogs: [], requests: [] };
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.console.push(msg.text());
  });
  page.on("pageerror", (error) => problems.console.push(`pageerror: ${error.message}`));
  page.on("dialog", (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("request", (request) => {
    if (!request.url().startsWith("file:") && !request.url().startsWith("data:")) problems.requests.push(request.url());
  });
  return problems;
}

describe("report in headless chromium", { skip }, () => {
  let browser: Browser;
  let dir: string;
  let url: string;
  let results: StudyResults;

  before(async () => {
    assert.ok(haveChromium, `${CHROMIUM} is missing and CI is set: run .ci/install-browser.sh`);
    dir = await mkdtemp(join(tmpdir(), "distmatch-report-browser-"));
    await writeFile(join(dir, "results.json"), await readFile(FIXTURE_PATH));
    results = JSON.parse(await readFile(FIXTURE_PATH, "utf8")) as StudyResults;
    url = pathToFileURL(await writeReport(dir)).href;
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("loads on a laptop screen without errors, dialogs or network, charts drawn, values equal results.json", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(url, { waitUntil: "load" });

    const charts = await page.$$eval("figure.chart", (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector("svg");
        const marks = svg ? [...svg.querySelectorAll(".role-mark path, .role-mark line, .role-mark text, .role-mark rect")] : [];
        const drawn = marks.filter((m) => {
          const box = m.getBoundingClientRect();
          return box.width > 0 || box.height > 0;
        });
        const box = svg?.getBoundingClientRect();
        return { id: figure.id, marks: marks.length, drawn: drawn.length, width: box?.width ?? 0, height: box?.height ?? 0 };
      }),
    );
    assert.ok(charts.length >= 7, `expected at least 7 charts, found ${charts.length}`);
    for (const chart of charts) {
      assert.ok(chart.marks > 0 && chart.drawn > 0, `chart ${chart.id} has no drawn marks: ${JSON.stringify(chart)}`);
      assert.ok(chart.width > 50 && chart.height > 50, `chart ${chart.id} has a tiny box: ${JSON.stringify(chart)}`);
    }

    const cells = await page.$$eval("td.mean[data-value]", (tds) =>
      tds.map((td) => ({ task: td.dataset.task ?? "", variant: td.dataset.variant ?? "", value: td.dataset.value ?? "" })),
    );
    const expected = results.summary.flatMap((s) => Object.entries(s.variants).map(([variant, cell]) => ({ task: s.task, variant, mean: cell.mean })));
    assert.equal(cells.length, expected.length, "one headline cell per (task, variant) in results.json");
    for (const e of expected) {
      const cell = cells.find((c) => c.task === e.task && c.variant === e.variant);
      assert.ok(cell, `no headline cell for task ${e.task}, variant ${e.variant}`);
      assert.equal(Number(cell.value), e.mean, `headline mean of ${e.task} / ${e.variant}`);
    }
    const deltaM = await page.$$eval("td.deltam[data-value]", (tds) => tds.map((td) => [td.dataset.variant, Number(td.dataset.value)]));
    assert.deepEqual(Object.fromEntries(deltaM), Object.fromEntries(Object.entries(results.deltaM).map(([id, v]) => [id, v.mean])));

    // The injected names are visible as text, not as elements.
    const injected = await page.evaluate(() => ({
      scripts: document.querySelectorAll("script").length,
      images: document.querySelectorAll("img").length,
      text: document.body.innerText,
    }));
    assert.equal(injected.scripts, 0);
    assert.equal(injected.images, 0);
    assert.ok(injected.text.includes("<img src=x onerror=alert(1)>"), "XSS names shown as text");

    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    assert.deepEqual(problems, { console: [], dialogs: [], requests: [] });
    await page.close();
  });

  it("fits a phone-width viewport without horizontal overflow", async () => {
    const width = 390;
    const page = await browser.newPage({ viewport: { width, height: 844 }, deviceScaleFactor: 1, isMobile: true });
    const problems = watch(page);
    await page.goto(url, { waitUntil: "load" });
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.screenshot({ path: join(ARTIFACTS, "report-phone.png"), fullPage: true });
    assert.ok(scrollWidth <= width, `page is ${scrollWidth}px wide on a ${width}px screen`);
    const wideSvgs = await page.$$eval("svg", (svgs, max) => svgs.filter((s) => s.getBoundingClientRect().right > max + 0.5).length, width);
    assert.equal(wideSvgs, 0, "no chart sticks out of the screen");
    assert.deepEqual(problems, { console: [], dialogs: [], requests: [] });
    await page.close();
  });

  it("prints to PDF", async () => {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    await writeFile(join(ARTIFACTS, "report.pdf"), pdf);
    assert.ok(pdf.length > 10_000, `pdf has ${pdf.length} bytes`);
    await page.close();
  });
});
