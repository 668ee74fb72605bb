/**
 * In-browser speed of the penguins-byo study with the CLI's default settings (3 seeds, ST / MT /
 * MT + coupling), on webgl and on wasm in headless Debian Chromium, against the same study through the
 * CLI (wasm in Node). Needs a built app: `npm run web:build && npx tsx web/scripts/bench.ts`.
 * Prints one line per side: wall seconds from "Run" to the report, and the backend the page reported.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, EXAMPLE, SOURCES, TEST_FILE, loadPenguins, runStudyInPage } from "./drive.js";
import { serveStatic } from "./serve.js";

const root = resolve(import.meta.dirname, "../..");

async function inBrowser(url: string, backend: "webgl" | "wasm"): Promise<{ seconds: number; backend: string }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    await loadPenguins(page);
    const started = performance.now();
    await runStudyInPage(page, { backend });
    const seconds = (performance.now() - started) / 1000;
    return { seconds, backend: (await page.locator("#backend-used").textContent()) ?? "?" };
  } finally {
    await browser.close();
  }
}

async function inCli(): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), "distmatch-web-bench-"));
  try {
    const started = performance.now();
    await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(root, "src/cli/main.ts"), "study", "--data", SOURCES.join(","), "--test", TEST_FILE, "--spec", join(EXAMPLE, "spec.json"),
        "--backend", "wasm", "--out", out, "--name", "bench", "--quiet", "--json"],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    return (performance.now() - started) / 1000;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const server = await serveStatic(join(root, "web/dist"));
try {
  for (const backend of ["wasm", "webgl"] as const) {
    const r = await inBrowser(server.url, backend);
    console.log(`browser ${backend}: ${r.seconds.toFixed(1)} s (page reported backend: ${r.backend})`);
  }
  console.log(`CLI wasm (Node, incl. start-up): ${(await inCli()).toFixed(1)} s`);
} finally {
  await server.close();
}
