/**
 * The core's storage module as the web build sees it: everything as in src/io/storage.ts, except that
 * "files" are the worker's in-memory file system (the same one the node:fs stand-in serves), so code
 * that defaults to fileStorage() or readFileText() (readers, atomic writes, checkpoints, saved models)
 * runs unchanged.
 * web/vite.config.ts points the core's imports of src/io/storage.ts here.
 */
import type { Storage } from "../../../src/io/storage.js";
import { memfsStorage } from "./memfs.js";

export * from "../../../src/io/storage.js";

export function fileStorage(): Storage {
  return memfsStorage;
}

export function hasFileSystem(): boolean {
  return true;
}

export async function readFileText(path: string): Promise<string> {
  return new TextDecoder().decode(await memfsStorage.read(path));
}
