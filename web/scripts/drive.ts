/** Drives the built app through a whole study in a Playwright page: shared by the browser test and the bench. */
import { join, resolve } from "node:path";
import type { Frame, Page } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
export const EXAMPLE = join(root, "examples/penguins-byo");
export const SOURCES = ["species-survey.csv", "island-survey.csv"].map((f) => join(EXAMPLE, f));
export const TEST_FILE = join(EXAMPLE, "test.csv");

export interface StudySettings {
  /** Comma-separated seeds; default: the form's (the CLI's defaults). */
  readonly seeds?: string;
  readonly epochs?: number;
  readonly repeats?: number;
  readonly backend: "webgl" | "wasm" | "cpu" | "auto";
}

/** Uploads the penguins-byo files and maps the columns as examples/penguins-byo/spec.json does. */
export async function loadPenguins(page: Page): Promise<void> {
  await page.setInputFiles("#sources-input", SOURCES);
  await page.setInputFiles("#test-input", TEST_FILE);
  await page.locator("#columns").waitFor({ state: "visible" });
  for (const column of ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]) {
    await page.getByLabel(`Role of column ${column}`, { exact: true }).selectOption("numeric");
  }
  for (const column of ["species", "island"]) await page.getByLabel(`Role of column ${column}`, { exact: true }).selectOption("multiclass");
}

/** Sets the run form, starts the study and waits for the report; fails with the page's message if the study fails. */
export async function runStudyInPage(page: Page, settings: StudySettings, problems: readonly string[] = []): Promise<Frame> {
  if (settings.seeds !== undefined) await page.getByLabel("Seeds").fill(settings.seeds);
  if (settings.epochs !== undefined) await page.getByLabel("Epochs").fill(String(settings.epochs));
  if (settings.repeats !== undefined) await page.getByLabel("Split repeats").fill(String(settings.repeats));
  await page.getByLabel("Compute").selectOption(settings.backend);
  await page.getByRole("button", { name: "Run the study" }).click();
  await page.waitForFunction(() => !document.getElementById("report")!.hidden || document.getElementById("config-error")!.textContent !== "", undefined, { timeout: 600_000 });
  const failure = await page.locator("#config-error").textContent();
  if (failure) throw new Error(`the study failed in the page: ${failure}\n${problems.join("\n")}`);
  const frame = await (await page.$("#report"))!.contentFrame();
  if (!frame) throw new Error("the report iframe has no document");
  await frame.locator("td.mean[data-value]").first().waitFor({ timeout: 10_000 });
  return frame;
}

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"];
