/**
 * The core runs in a browser: esbuild bundles test/browser/scenario.ts (which imports only "distmatch",
 * i.e. src/index.ts) for platform=browser, and headless Debian Chromium (playwright-core,
 * /usr/bin/chromium) trains a few epochs on the cpu and wasm backends, with the checkpoint and the saved
 * model in memory and in IndexedDB. The browser's losses must equal the same run in Node. The page is
 * served from an intercepted origin, so nothing goes to the network. Skips when chromium is missing,
 * except under CI (env CI set), where it fails. Install the browser with .ci/install-browser.sh.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { memoryStorage } from "../../src/index.js";
import { runScenario, type ScenarioOutcome } from "./scenario.js";

const CHROMIUM = "/usr/bin/chromium";
const ORIGIN = "http://distmatch.test";
const WASM_DIR = resolve("node_modules/@tensorflow/tfjs-backend-wasm/dist");
const haveChromium = existsSync(CHROMIUM);
const skip =
  !haveChromium && !process.env.CI
    ? `${CHROMIUM} not found; run .ci/install-browser.sh to enable the browser test`
    : false;

/** The page script: the scenario plus where the wasm binaries are served, nothing else. */
const ENTRY = `
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { indexedDbStorage, memoryStorage } from ${JSON.stringify(resolve("src/index.ts"))};
import { runScenario } from ${JSON.stringify(resolve("test/browser/scenario.ts"))};
setWasmPaths("${ORIGIN}/wasm/");
window.runScenario = (backend, storage) =>
  runScenario(backend, storage === "indexeddb" ? indexedDbStorage("distmatch-test") : memoryStorage());
`;

async function bundleCore(): Promise<string> {
  const result = await build({
    stdin: { contents: ENTRY, resolveDir: resolve("."), loader: "js", sourcefile: "page.js" },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

function closeTo(actual: ScenarioOutcome["losses"], expected: ScenarioOutcome["losses"], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: number of epochs`);
  actual.forEach((epoch, i) => {
    assert.deepEqual(Object.keys(epoch).sort(), Object.keys(expected[i]).sort(), `${what}: terms of epoch ${i + 1}`);
    for (const [term, value] of Object.entries(epoch)) {
      const want = expected[i][term];
      assert.ok(Math.abs(value - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${what}: epoch ${i + 1} ${term}: browser ${value}, node ${want}`);
    }
  });
}

describe("the core in headless chromium", { skip }, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    assert.ok(haveChromium, `${CHROMIUM} is missing and CI is set: run .ci/install-browser.sh`);
    const script = await bundleCore();
    assert.doesNotMatch(script, /from\s*["']node:/, "no node: import left in the browser bundle");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
    page = await browser.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(msg.text());
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    await page.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.origin !== ORIGIN) return route.abort();
      if (url.pathname === "/") return route.fulfill({ contentType: "text/html", body: `<!doctype html><title>core</title><script type="module" src="/core.js"></script>` });
      if (url.pathname === "/core.js") return route.fulfill({ contentType: "text/javascript", body: script });
      if (url.pathname.startsWith("/wasm/")) {
        return route.fulfill({ contentType: "application/wasm", body: await readFile(join(WASM_DIR, url.pathname.slice("/wasm/".length))) });
      }
      return route.fulfill({ status: 404, body: "" });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => "runScenario" in window, undefined, { timeout: 15_000 }).catch((err: Error) => {
      throw new Error(`the bundled core did not load: ${problems.join("; ") || err.message}`);
    });
  });

  after(async () => {
    await browser?.close();
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it(`trains on ${backend} with checkpoints in memory, and matches Node`, async () => {
      const inBrowser = await page.evaluate(([b]) => (window as unknown as { runScenario: (b: string, s: string) => Promise<ScenarioOutcome> }).runScenario(b, "memory"), [backend]);
      const inNode = await runScenario(backend, memoryStorage());
      assert.equal(inBrowser.backend, backend);
      assert.equal(inBrowser.losses.length, 3);
      assert.equal(inBrowser.checkpointEpoch, 3);
      assert.ok(inBrowser.checkpointBytes > 100, `checkpoint has ${inBrowser.checkpointBytes} bytes`);
      assert.ok(inBrowser.reloadedMatches, "the model saved to and loaded from storage predicts the same");
      assert.ok(inBrowser.losses.every((e) => Object.values(e).every(Number.isFinite)));
      assert.ok(Object.keys(inBrowser.losses[0]).some((t) => t.startsWith("dm:")), "the coupling term is trained");
      closeTo(inBrowser.losses, inNode.losses, backend);
      assert.deepEqual(problems, []);
    });
  }

  it("keeps the checkpoint and the model in IndexedDB", async () => {
    const outcome = await page.evaluate(() => (window as unknown as { runScenario: (b: string, s: string) => Promise<ScenarioOutcome> }).runScenario("wasm", "indexeddb"));
    assert.equal(outcome.checkpointEpoch, 3);
    assert.ok(outcome.reloadedMatches);
    const stored = await page.evaluate(
      () =>
        new Promise<number>((done, fail) => {
          const open = indexedDB.open("distmatch-test");
          open.onsuccess = () => {
            const count = open.result.transaction("files").objectStore("files").count();
            count.onsuccess = () => done(count.result);
          };
          open.onerror = () => fail(open.error);
        }),
    );
    assert.equal(stored, 4, "train.ckpt, model.json, weights.bin and distmatch.json");
    assert.deepEqual(problems, []);
  });
});
