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

/**
 * Two core modules get a web version: src/io/storage.ts (whose "files" become the in-memory file
 * system) and src/io/optional.ts (whose optional packages become bundled imports, or a clear error).
 */
const webVersions: Readonly<Record<string, string>> = {
  [here("../src/io/storage.ts")]: here("src/node/storage.ts"),
  [here("../src/io/optional.ts")]: here("src/node/optional.ts"),
};

function webModules(): Plugin {
  const replacements = new Set(Object.values(webVersions));
  return {
    name: "distmatch-web-modules",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || replacements.has(importer) || !/\/(storage|optional)(\.js|\.ts)?$/.test(source)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return (resolved && webVersions[resolved.id]) ?? null;
    },
  };
}

export default defineConfig({
  root: here("."),
  base: "./",
  resolve: { alias: nodeStandIns },
  worker: { format: "es", plugins: () => [webModules()] },
  build: {
    outDir: here("dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
    // The core reads its package.json (for the version it records) through new URL(..., import.meta.url):
    // inline it as a data: URL, which the in-memory file system decodes, whatever its size.
    assetsInlineLimit: (file: string) => (file.endsWith("package.json") ? true : undefined),
  },
  plugins: [webModules(), offlineCache()],
  server: { host: "127.0.0.1", port: 5173 },
  preview: { host: "127.0.0.1", port: 4173 },
});
