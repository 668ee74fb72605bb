/**
 * The browser app, built once (npm run web:build) and opened in headless Debian Chromium
 * (playwright-core, /usr/bin/chromium): a whole study from the penguins-byo files on the wasm backend,
 * whose headline numbers must equal a CLI run of the same config and seed; and a malformed CSV whose
 * error shows next to the file. Any console error or page error fails the test. Skips when chromium
 * is missing, except under CI (env CI set), where it fails. Install it with .ci/install-browser.sh.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";
import type { StudyResults } from "../../src/study/results.js";
import { useBackend } from "../../src/engine/backend.js";
import { loadBackbone } from "../../src/features/backbones.js";
import { decodeImage } from "../../src/features/image.js";
import { CHROMIUM, CHROMIUM_ARGS, EXAMPLE, SOURCES, TEST_FILE, loadPenguins, runStudyInPage } from "../../web/scripts/drive.js";
import { serveStatic } from "../../web/scripts/serve.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const ARTIFACTS = join(root, "test-artifacts");
const EPOCHS = 4;
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} not found; run .ci/install-browser.sh to enable the browser app test` : false;

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** Records console errors and page errors: any one fails the test. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("worker", (worker) => worker.on("console", (msg) => msg.type() === "error" && problems.push(`worker console: ${msg.text()}`)));
  return problems;
}

/** The same study through the CLI: 1 seed, a small budget, wasm, its results.json. */
async function cliStudy(out: string): Promise<StudyResults> {
  const spec = join(EXAMPLE, "spec.json");
  await run(
    process.execPath,
    ["--import", "tsx", join(root, "src/cli/main.ts"), "study", "--data", SOURCES.join(","), "--test", TEST_FILE, "--spec", spec,
      "--seeds", "0", "--epochs", String(EPOCHS), "--backend", "wasm", "--out", out, "--name", "penguins-byo", "--no-report", "--json", "--quiet"],
    { cwd: root, maxBuffer: 1 << 24 },
  );
  return JSON.parse(await readFile(join(out, "penguins-byo", "results.json"), "utf8")) as StudyResults;
}

describe("browser app in headless chromium", { skip }, () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };
  let out: string;
  let cli: Promise<StudyResults>;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing and CI is set: run .ci/install-browser.sh`);
    out = await mkdtemp(join(tmpdir(), "distmatch-web-"));
    await run("npm", ["run", "--silent", "web:build"], { cwd: root, maxBuffer: 1 << 24 });
    cli = cliStudy(out);
    server = await serveStatic(join(root, "web/dist"));
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, "--disable-gpu"],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await cli?.catch(() => undefined);
    if (out) await rm(out, { recursive: true, force: true });
  });

  it("runs the penguins-byo study on wasm; the verdict table equals the CLI's numbers", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(server.url, { waitUntil: "load" });

    await loadPenguins(page);
    const counts = await page.locator("#label-counts tbody tr").allInnerTexts();
    assert.ok(counts.some((row) => row.includes("species") && row.includes("species-survey.csv") && row.includes("Adelie")), counts.join("\n"));
    assert.equal(await page.locator("#mapping-error").textContent(), "");

    const unnamed = await page.$$eval("input, select, button", (controls) =>
      controls
        .filter((c) => (c as HTMLElement).offsetParent !== null)
        .filter((c) => !((c as HTMLInputElement).labels?.length || c.getAttribute("aria-label") || (c.tagName === "BUTTON" && c.textContent?.trim())))
        .map((c) => c.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, [], "every visible control has a label");
    // Layout shifts while training (not caused by input): the progress list is laid out before the first run.
    await page.evaluate(() => {
      const scope = window as unknown as { shift: number };
      scope.shift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) if (!entry.hadRecentInput) scope.shift += entry.value;
      }).observe({ type: "layout-shift" });
    });
    const frame = await runStudyInPage(page, { seeds: "0", epochs: EPOCHS, backend: "wasm" }, problems);
    const shift = await page.evaluate(() => (window as unknown as { shift: number }).shift);
    assert.ok(shift < 0.01, `cumulative layout shift while training: ${shift}`);
    assert.equal(await page.locator("#backend-used").textContent(), "wasm");
    const runs = (await cli).runs.length;
    assert.equal(runs, 3 * 4, "the CLI ran 3 split repeats x (ST x 2 tasks, MT, MT + coupling)");
    assert.equal(await page.locator("#progress progress").count(), runs, "one progress bar per run");

    const shown = await frame.$$eval("td.mean[data-value]", (tds) => tds.map((td) => ({ task: td.dataset.task, variant: td.dataset.variant, value: Number(td.dataset.value) })));
    const expected = (await cli).summary.flatMap((s) => Object.entries(s.variants).map(([variant, cell]) => ({ task: s.task, variant, value: cell.mean })));
    assert.equal(shown.length, expected.length, "one headline cell per (task, variant)");
    for (const e of expected) {
      const cell = shown.find((c) => c.task === e.task && c.variant === e.variant);
      assert.ok(cell, `no headline cell for ${e.task} / ${e.variant}`);
      assert.ok(Math.abs(cell.value - e.value) <= 1e-6, `${e.task} / ${e.variant}: browser ${cell.value}, CLI ${e.value}`);
    }
    await page.screenshot({ path: join(ARTIFACTS, "web-app.png"), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("turns an image manifest into MobileNetV2 features in the page and runs a study on them", async () => {
    // Real images (Twemoji, CC-BY 4.0): faces U+1F600.. and animals U+1F400... Labels: "group" (face or
    // animal, from the Unicode block) and a SYNTHETIC "parity" (the code point's parity), for the pipeline.
    const dir = await mkdtemp(join(tmpdir(), "distmatch-web-images-"));
    const emoji = join(root, "node_modules/emoji-datasource-twitter/img/twitter/64");
    const points = [...Array.from({ length: 16 }, (_, i) => 0x1f600 + i), ...Array.from({ length: 16 }, (_, i) => 0x1f400 + i)];
    const row = (p: number, group: boolean, parity: boolean) => [`img/${p.toString(16)}.png`, group ? (p >= 0x1f600 ? "face" : "animal") : "", parity ? (p % 2 ? "odd" : "even") : ""].join(",");
    const pick = (from: number, to: number) => [...points.slice(from, to), ...points.slice(16 + from, 16 + to)];
    await writeFile(join(dir, "groups.csv"), ["image,group,parity", ...pick(0, 6).map((p) => row(p, true, false))].join("\n") + "\n");
    await writeFile(join(dir, "parity.csv"), ["image,group,parity", ...pick(6, 12).map((p) => row(p, false, true))].join("\n") + "\n");
    await writeFile(join(dir, "test.csv"), ["image,group,parity", ...pick(12, 16).map((p) => row(p, true, true))].join("\n") + "\n");

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(server.url, { waitUntil: "load" });
    await page.setInputFiles("#sources-input", [join(dir, "groups.csv"), join(dir, "parity.csv")]);
    await page.setInputFiles("#test-input", join(dir, "test.csv"));
    await page.setInputFiles("#images-input", points.map((p) => join(emoji, `${p.toString(16)}.png`)));
    assert.match((await page.locator("#images-status").textContent()) ?? "", /32 image\(s\), listed by groups\.csv \(column "image"\)/);
    await page.getByRole("button", { name: "Compute image features" }).click();
    await page.waitForFunction(() => /MobileNetV2 features each/.test(document.getElementById("images-status")!.textContent ?? "") || document.getElementById("images-error")!.textContent !== "", undefined, { timeout: 300_000 });
    assert.equal(await page.locator("#images-error").textContent(), "");
    assert.match((await page.locator("#images-status").textContent()) ?? "", /^32 image\(s\) → 1280 MobileNetV2 features each, in groups\.features\.csv, parity\.features\.csv, test\.features\.csv$/);
    assert.equal(await page.getByLabel("Role of the image feature columns", { exact: true }).inputValue(), "numeric");
    assert.equal(await page.locator("#mapping tbody tr").count(), 3, "group, parity and one row for the 1,280 features");
    for (const column of ["group", "parity"]) assert.equal(await page.getByLabel(`Role of column ${column}`, { exact: true }).inputValue(), "multiclass");
    assert.equal(await page.locator("#mapping-error").textContent(), "");

    // The page's features of the first rows (from its preview) against the CLI's (sharp decoding, wasm).
    const header = await page.locator("#preview thead th").allInnerTexts();
    const previewRows = await page.locator("#preview tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td, th")].map((c) => c.textContent ?? "")));
    const first = header.indexOf("mobilenetv2_0");
    const pageFeatures = previewRows.map((cells) => cells.slice(first).map(Number));
    await useBackend("wasm");
    const backbone = await loadBackbone("mobilenetv2");
    const cliImages = await Promise.all(pick(0, 6).slice(0, pageFeatures.length).map((p) => decodeImage(join(emoji, `${p.toString(16)}.png`), backbone.decode)));
    const cliFeatures = await backbone.extract(cliImages);
    backbone.dispose();
    const similarity = pageFeatures.map((row, i) => cosine(row, cliFeatures.subarray(i * 1280, (i + 1) * 1280)));
    assert.equal(pageFeatures.length, 5);
    assert.ok(similarity.every((c) => c > 0.98), `cosine similarity of page and CLI features: ${similarity.map((c) => c.toFixed(4)).join(", ")}`);

    const frame = await runStudyInPage(page, { seeds: "0", epochs: 2, repeats: 1, backend: "wasm" }, problems);
    const shown = await frame.$$eval("td.mean[data-value]", (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)));
    assert.ok(shown.length >= 2 && shown.every(Number.isFinite), `headline cells: ${shown.join(", ")}`);
    assert.deepEqual(problems, []);
    await page.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("opens the CLI's results.json and shows its report, with no error", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watch(page);
    await page.goto(server.url, { waitUntil: "load" });
    const results = await cli;
    await page.setInputFiles("#results-input", join(out, "penguins-byo", "results.json"));
    await page.waitForFunction(() => !document.getElementById("report")!.hidden || document.getElementById("results-error")!.textContent !== "");
    assert.equal(await page.locator("#results-error").textContent(), "");
    const frame = (await (await page.$("#report"))!.contentFrame())!;
    await frame.locator("td.mean[data-value]").first().waitFor();
    const values = await frame.$$eval("td.mean[data-value]", (tds) => tds.map((td) => Number(td.dataset.value)));
    assert.deepEqual(values.sort(), results.summary.flatMap((s) => Object.values(s.variants).map((c) => c.mean)).sort());
    assert.equal(await page.locator("#results-error").textContent(), "");
    assert.deepEqual(problems, []);
    await page.close();
  });

  it("works offline after the first load (service worker), with the CLI's defaults in the form", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(server.url, { waitUntil: "load" });
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await context.setOffline(true);
    await page.reload({ waitUntil: "load" });
    assert.equal(await page.getByLabel("Epochs").inputValue(), "40", "the app's script ran from the cache");
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith("distmatch-"))!);
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(cached.some((p) => p.endsWith(".wasm")) && cached.some((p) => /worker-.*\.js$/.test(p)), cached.join(", "));
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("shows a malformed CSV's error next to the file", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    const problems = watch(page);
    await page.goto(server.url, { waitUntil: "load" });
    const broken = 'a,b,label\n1,2,x\n3,"4,y\n';
    await page.setInputFiles("#sources-input", { name: "broken.csv", mimeType: "text/csv", buffer: Buffer.from(broken) });
    const item = page.locator('#source-list li[data-file="broken.csv"]');
    const error = item.locator(".field-error");
    await error.waitFor({ state: "visible" });
    const text = (await error.textContent()) ?? "";
    assert.match(text, /^broken\.csv(:\d+)?: malformed CSV: /, text);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, "no horizontal overflow on a phone");
    assert.deepEqual(problems, []);
    await page.close();
  });
});
