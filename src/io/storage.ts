/**
 * Where checkpoints, saved models and small files go. The core reads and writes only through this
 * interface, so it runs in a browser: files in Node (`fileStorage`), memory or IndexedDB in a page.
 * Paths are "/"-separated keys; `fileStorage` resolves them against the working directory.
 */
export interface Storage {
  /** A short name for error messages, e.g. "files", "memory", "indexeddb:distmatch". */
  readonly name: string;
  /** The bytes at `path`; rejects with an error naming `path` when there are none. */
  read(path: string): Promise<Uint8Array>;
  /** Replaces the content at `path` atomically: a reader sees the old or the new bytes, never a mix. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Removes `path`; no error when it is absent. */
  remove(path: string): Promise<void>;
}

export async function readText(storage: Storage, path: string): Promise<string> {
  return new TextDecoder().decode(await storage.read(path));
}

export async function writeJson(storage: Storage, path: string, value: unknown): Promise<void> {
  await storage.write(path, JSON.stringify(value, null, 2) + "\n");
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : Uint8Array.from(data);
}

function missing(storage: string, path: string): Error {
  return new Error(`${path}: not found in ${storage} storage`);
}

/** Everything in a Map; the default for tests and for a page that keeps results only for the session. */
export function memoryStorage(initial: Readonly<Record<string, Uint8Array | string>> = {}): Storage & { readonly keys: () => string[] } {
  const entries = new Map<string, Uint8Array>(Object.entries(initial).map(([k, v]) => [k, toBytes(v)]));
  return {
    name: "memory",
    keys: () => [...entries.keys()].sort(),
    read: async (path) => {
      const bytes = entries.get(path);
      if (!bytes) throw missing("memory", path);
      return Uint8Array.from(bytes);
    },
    write: async (path, data) => void entries.set(path, toBytes(data)),
    exists: async (path) => entries.has(path),
    remove: async (path) => void entries.delete(path),
  };
}

/** One IndexedDB object store of byte arrays (browser only); each write is one transaction, hence atomic. */
export function indexedDbStorage(database = "distmatch", store = "files"): Storage {
  const name = `indexeddb:${database}`;
  let opened: Promise<IDBDatabase> | undefined;
  const open = (): Promise<IDBDatabase> =>
    (opened ??= new Promise((resolve, reject) => {
      if (typeof indexedDB === "undefined") throw new Error("indexedDbStorage: IndexedDB is not available here (use memoryStorage or fileStorage)");
      const request = indexedDB.open(database, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(store);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`${name}: cannot open (${String(request.error)})`));
    }));
  const run = async <T>(mode: IDBTransactionMode, action: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    return new Promise<T>((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = action(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(new Error(`${name}: ${String(tx.error)}`));
    });
  };
  return {
    name,
    read: async (path) => {
      const value = await run("readonly", (s) => s.get(path) as IDBRequest<Uint8Array | undefined>);
      if (!value) throw missing(name, path);
      return new Uint8Array(value);
    },
    write: async (path, data) => void (await run("readwrite", (s) => s.put(toBytes(data), path))),
    exists: async (path) => (await run("readonly", (s) => s.count(path))) > 0,
    remove: async (path) => void (await run("readwrite", (s) => s.delete(path))),
  };
}

type NodeFs = typeof import("node:fs/promises");

/** True in Node (and Node-compatible runtimes), where `fileStorage` works. */
export function hasFileSystem(): boolean {
  return typeof process !== "undefined" && typeof process.versions?.node === "string";
}

// The specifier is a variable so that bundlers for the browser neither follow nor fail on it.
const importAtRunTime = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

let nodeFs: Promise<NodeFs> | undefined;

/** node:fs/promises, loaded on first use; a clear error where there is no file system. */
export function loadNodeFs(): Promise<NodeFs> {
  if (!hasFileSystem()) {
    return Promise.reject(new Error("no file system here: pass a storage such as memoryStorage() or indexedDbStorage() (from \"distmatch\")"));
  }
  return (nodeFs ??= importAtRunTime("node:fs/promises") as Promise<NodeFs>);
}

/** Files on disk (Node). Writes go to a temporary file in the same folder, then a rename. */
export function fileStorage(): Storage {
  return {
    name: "files",
    read: async (path) => {
      const fs = await loadNodeFs();
      return new Uint8Array(await fs.readFile(path));
    },
    write: async (path, data) => writeFileAtomic(await loadNodeFs(), path, data),
    exists: async (path) => {
      const fs = await loadNodeFs();
      return fs.access(path).then(() => true, () => false);
    },
    remove: async (path) => (await loadNodeFs()).rm(path, { force: true }),
  };
}

async function writeFileAtomic(fs: NodeFs, file: string, data: Uint8Array | string): Promise<void> {
  const folder = dirname(file);
  if (folder !== "") await fs.mkdir(folder, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const handle = await fs.open(tmp, "w");
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** The folder part of a path ("" when there is none); handles both separators, so Windows paths work. */
export function dirname(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut < 0) return "";
  return cut === 0 ? path.slice(0, 1) : path.slice(0, cut);
}

export function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/** Joins path parts with "/", dropping empty parts and duplicate separators. */
export function joinPath(...parts: string[]): string {
  const kept = parts.filter((p) => p !== "");
  return kept.map((p, i) => (i === 0 ? p.replace(/[/\\]+$/, "") || p : p.replace(/^[/\\]+|[/\\]+$/g, ""))).join("/").replace(/\/{2,}/g, "/");
}

/** Node: the text of a file on disk (fs loaded on first use). */
export async function readFileText(path: string): Promise<string> {
  return readText(fileStorage(), path);
}

/** Decompresses gzip bytes with the DecompressionStream that Node and browsers both have. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
