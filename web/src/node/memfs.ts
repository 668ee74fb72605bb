/**
 * The browser's stand-in for node:fs and node:fs/promises: an in-memory file system, so the core's
 * study code (readers, run cache, checkpoints, atomic writes) runs unchanged in a Web Worker. Files
 * live only as long as the worker: nothing leaves the page. Only the calls the core makes exist.
 */
import { Buffer } from "buffer";
import { dirname, normalize } from "pathe";

type PathLike = string | URL;
type Data = string | Uint8Array;

const files = new Map<string, Uint8Array>();
const dirs = new Set<string>(["/"]);

function key(file: PathLike): string {
  const text = typeof file === "string" ? file : file.pathname;
  return normalize(text.startsWith("/") ? text : `/${text}`);
}

function enoent(op: string, file: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, ${op} '${file}'`), { code: "ENOENT" });
}

function toBytes(data: Data): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/**
 * The bundler turns `new URL("file", import.meta.url)` into a data: URL (the core reads its own
 * package.json that way, for the version it records): decode it.
 */
function dataUrl(file: PathLike): Uint8Array | undefined {
  const text = String(file);
  const match = /^data:[^,]*?(;base64)?,(.*)$/s.exec(text);
  if (!match) return undefined;
  if (!match[1]) return toBytes(decodeURIComponent(match[2]));
  return Uint8Array.from(atob(match[2]), (c) => c.charCodeAt(0));
}

function encodingOf(options: unknown): string | undefined {
  if (typeof options === "string") return options;
  if (options && typeof options === "object" && "encoding" in options) return (options as { encoding?: string }).encoding;
  return undefined;
}

export async function readFile(file: PathLike, options?: unknown): Promise<Buffer | string> {
  const path = key(file);
  const bytes = dataUrl(file) ?? files.get(path);
  if (!bytes) throw enoent("open", path);
  return encodingOf(options) ? new TextDecoder().decode(bytes) : Buffer.from(bytes);
}

export async function writeFile(file: PathLike, data: Data): Promise<void> {
  const path = key(file);
  if (!dirs.has(dirname(path))) throw enoent("open", path);
  files.set(path, toBytes(data));
}

export async function mkdir(dir: PathLike, options?: { recursive?: boolean }): Promise<void> {
  let path = key(dir);
  if (!options?.recursive && !dirs.has(dirname(path))) throw enoent("mkdir", path);
  while (!dirs.has(path)) {
    dirs.add(path);
    path = dirname(path);
  }
}

export async function rm(target: PathLike, options?: { force?: boolean; recursive?: boolean }): Promise<void> {
  const path = key(target);
  if (files.delete(path)) return;
  if (dirs.has(path) && options?.recursive) {
    for (const name of [...files.keys()]) if (name.startsWith(`${path}/`)) files.delete(name);
    for (const name of [...dirs]) if (name === path || name.startsWith(`${path}/`)) dirs.delete(name);
    return;
  }
  if (!options?.force) throw enoent("rm", path);
}

export async function rename(from: PathLike, to: PathLike): Promise<void> {
  const bytes = files.get(key(from));
  if (!bytes) throw enoent("rename", key(from));
  files.delete(key(from));
  files.set(key(to), bytes);
}

export async function access(target: PathLike): Promise<void> {
  const path = key(target);
  if (!files.has(path) && !dirs.has(path)) throw enoent("access", path);
}

export async function stat(target: PathLike): Promise<{ size: number; isFile(): boolean; isDirectory(): boolean; mtimeMs: number }> {
  const path = key(target);
  const bytes = files.get(path);
  if (!bytes && !dirs.has(path)) throw enoent("stat", path);
  return { size: bytes?.length ?? 0, isFile: () => Boolean(bytes), isDirectory: () => !bytes, mtimeMs: 0 };
}

export async function readdir(dir: PathLike): Promise<string[]> {
  const path = key(dir);
  if (!dirs.has(path)) throw enoent("scandir", path);
  const prefix = path === "/" ? "/" : `${path}/`;
  const names = [...files.keys(), ...dirs].filter((n) => n.startsWith(prefix) && n !== path).map((n) => n.slice(prefix.length).split("/")[0]);
  return [...new Set(names)].sort();
}

/** A file handle that collects writes and stores them on close (sync is a no-op in memory). */
export async function open(file: PathLike): Promise<{ writeFile(data: Data): Promise<void>; sync(): Promise<void>; close(): Promise<void> }> {
  const path = key(file);
  await writeFile(path, "");
  return {
    writeFile: (data: Data) => writeFile(path, data),
    sync: async () => {},
    close: async () => {},
  };
}

/** Everything stored, for downloads (path -> bytes). */
export function listFiles(prefix = "/"): Map<string, Uint8Array> {
  return new Map([...files].filter(([name]) => name.startsWith(prefix)));
}

/** Stores a file, creating its folders. */
export function putFile(path: string, data: Data): void {
  const at = key(path);
  let dir = dirname(at);
  while (!dirs.has(dir)) {
    dirs.add(dir);
    dir = dirname(dir);
  }
  files.set(at, toBytes(data));
}

export function existsSync(target: PathLike): boolean {
  const path = key(target);
  return files.has(path) || dirs.has(path);
}

export function readFileSync(): never {
  throw new Error("synchronous file reads are not available in the browser");
}

export const promises = { readFile, writeFile, mkdir, rm, rename, access, stat, readdir, open };
export default { promises, existsSync, readFileSync };

/** The same files as a core Storage, so checkpoints and saved models land beside the study's other files. */
export const memfsStorage = {
  name: "files (in memory)",
  read: async (path: string): Promise<Uint8Array> => {
    const bytes = files.get(key(path));
    if (!bytes) throw new Error(`${path}: not found in memory storage`);
    return Uint8Array.from(bytes);
  },
  write: async (path: string, data: Uint8Array | string): Promise<void> => putFile(path, data),
  exists: async (path: string): Promise<boolean> => files.has(key(path)),
  remove: async (path: string): Promise<void> => void files.delete(key(path)),
};
