import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** A file's bytes; any failure (missing, a folder, no permission) is an error naming the file. */
export async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === "EISDIR" ? "it is a folder, expected a file" : e.code === "ENOENT" ? "no such file" : (e.code ?? e.message);
    throw new Error(`${path}: cannot read (${why})`, { cause: err });
  }
}

/** A file's text (UTF-8); a .gz file is decompressed first, and a corrupt one is an error naming the file. */
export async function readText(path: string): Promise<string> {
  const bytes = await readBytes(path);
  if (!path.toLowerCase().endsWith(".gz")) return bytes.toString("utf8");
  try {
    return gunzipSync(bytes).toString("utf8");
  } catch (err) {
    throw new Error(`${path}: not a valid gzip file (${(err as Error).message})`, { cause: err });
  }
}
