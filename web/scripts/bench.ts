/**
 * In-browser speed of the penguins-byo study with the CLI's default settings (3 seeds, ST / MT /
 * MT + coupling), on webgl and on wasm in headless Debian Chromium, against the same study through the
 * CLI (wasm in Node). Needs a built app: `npm run web:build && npx tsx web/scripts/bench.ts`.
 * Prints per side the study's own wall time (results.json timing: data, training, evaluation), the wall
 * time around it (browser: "Run" click to report shown; CLI: process start to exit), and the backend the
 * page reported. wasm and the CLI run twice, interleaved, since the machine's load moves.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, EXAMPLE, SOURCES, TEST_FILE, loadPenguins, runStudyInPage } from "./drive.js";
import { serveStatic } from "./serve.js";

const root = resolve(import.meta.dirname, "../..");

interface Timing {
  readonly study: number;
  readonly wall: number;
  readonly backend: string;
}

async function inBrowser(url: string, backend: "webgl" | "wasm"): Promise<Timing> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: "load" });
    await loadPenguins(page);
    const started = performance.now();
    await runStudyInPage(page, { backend });
    const wall = (performance.now() - started) / 1000;
    const status = (await page.locator("#run-status").textContent()) ?? "";
    const study = Number(/finished in ([\d.]+) s/.exec(status)?.[1] ?? NaN);
    return { study, wall, backend: (await page.locator("#backend-used").textContent()) ?? "?" };
  } finally {
    await browser.close();
  }
}

async function inCli(): Promise<Timing> {
  const out = await mkdtemp(join(tmpdir(), "distmatch-web-bench-"));
  try {
    const started = performance.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", join(root, "src/cli/main.ts"), "study", "--data", SOURCES.join(","), "--test", TEST_FILE, "--spec", join(EXAMPLE, "spec.json"),
        "--backend", "wasm", "--out", out, "--name", "bench", "--quiet", "--json"],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    const wall = (performance.now() - started) / 1000;
    const file = (JSON.parse(stdout) as { results: string }).results;
    const results = JSON.parse(await readFile(file, "utf8")) as { timing: { wallSeconds: number }; software: { backend?: string } };
    return { study: results.timing.wallSeconds, wall, backend: results.software.backend ?? "?" };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

function print(side: string, t: Timing): void {
  console.log(`${side}: study ${t.study.toFixed(1)} s, wall ${t.wall.toFixed(1)} s (backend: ${t.backend})`);
}

const server = await serveStatic(join(root, "web/dist"));
try {
  for (let round = 1; round <= 2; round++) {
    print(`browser wasm, round ${round}`, await inBrowser(server.url, "wasm"));
    print(`CLI (Node) wasm, round ${round}`, await inCli());
  }
  print("browser webgl", await inBrowser(server.url, "webgl"));
} finally {
  await server.close();
}
