/**
 * The browser app: a static site in web/dist/ (relative asset paths, so any static host or sub-folder
 * serves it). The core runs unchanged in a Web Worker; the few Node built-ins on its import path are
 * replaced by small browser stand-ins in src/node/ (an in-memory file system, sha256, path).
 */
import { fileURLToPath } from "node:url";
import { defineConfig, type Alias } from "vite";
import { offlineCache } from "./offline-plugin.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const nodeStandIns: Alias[] = [
  { find: /^node:fs(\/promises)?$/, replacement: here("src/node/memfs.ts") },
  { find: /^node:crypto$/, replacement: here("src/node/crypto.ts") },
  { find: /^node:path$/, replacement: "pathe" },
  { find: /^(node:module|node:url|node:zlib|sharp)$/, replacement: here("src/node/unavailable.ts") },
];

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: { alias: nodeStandIns },
  worker: { format: "es" },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  plugins: [offlineCache()],
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
