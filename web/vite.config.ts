/**
 * The browser app: a static site in web/dist/ (relative asset paths, so any static host or sub-folder
 * serves it). The core runs unchanged in a Web Worker; the few Node built-ins on its import path are
 * replaced by small browser stand-ins in src/node/ (an in-memory file system, sha256, path).
 */
import { fileURLToPath } from "node:url";
import { defineConfig, type Alias, type Plugin } from "vite";
import { offlineCache } from "./offline-plugin.js";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const nodeStandIns: Alias[] = [
  { find: /^node:fs(\/promises)?$/, replacement: here("src/node/memfs.ts") },
  { find: /^node:crypto$/, replacement: here("src/node/crypto.ts") },
  { find: /^node:path$/, replacement: "pathe" },
  { find: /^(node:module|node:url|node:zlib|sharp)$/, replacement: here("src/node/unavailable.ts") },
];

/** The core's imports of src/io/storage.ts get the web version, whose "files" are the in-memory file system. */
function webStorage(): Plugin {
  const core = here("../src/io/storage.ts");
  const web = here("src/node/storage.ts");
  return {
    name: "distmatch-web-storage",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || importer === web || !/\/storage(\.js|\.ts)?$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === core ? web : null;
    },
  };
}

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: { alias: nodeStandIns },
  worker: { format: "es", plugins: () => [webStorage()] },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  plugins: [webStorage(), offlineCache()],
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
