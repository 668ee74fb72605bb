import { promises as fs } from "node:fs";
import * as path from "node:path";
import { DataError } from "../data/errors.js";
import { readTable, type RawValue } from "../data/readers/index.js";
import { dictFrom, own } from "../data/names.js";

/** One image with its labels, and where it was listed (for errors further down). */
export interface ImageRecord {
  /** Absolute path of the image file. */
  readonly path: string;
  /** Label column -> value; undefined = missing (empty cell, null, absent). */
  readonly labels: Readonly<Record<string, string | undefined>>;
  /** The manifest (or folder) that listed the image, and its 1-based line (0 for a folder listing). */
  readonly file: string;
  readonly line: number;
}

export interface ImageListing {
  /** The folder that image paths are resolved against. */
  readonly root: string;
  readonly labelColumns: readonly string[];
  readonly records: readonly ImageRecord[];
}

export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg", ".webp", ".gif", ".tif", ".tiff", ".avif"];

export interface FolderOptions {
  /** Name of the label column made from subfolder names (default "class"). */
  readonly labelColumn?: string;
  readonly extensions?: readonly string[];
}

/**
 * Lists an image folder whose subfolders are classes: root/cat/1.png -> label "cat". Files directly in
 * root are refused (they have no class); order is sorted by class then file name, so it is stable.
 */
export async function listImageFolder(root: string, options: FolderOptions = {}): Promise<ImageListing> {
  const column = options.labelColumn ?? "class";
  const extensions = options.extensions ?? IMAGE_EXTENSIONS;
  const absolute = path.resolve(root);
  const entries = await fs.readdir(absolute, { withFileTypes: true }).catch((err: Error) => {
    throw new Error(`${root}: cannot read image folder (${err.message})`);
  });
  const loose = entries.filter((e) => e.isFile() && isImage(e.name, extensions));
  if (loose.length > 0) throw new Error(`${root}: image "${loose[0].name}" is not in a class subfolder; expected root/<class>/<image>`);
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const records: ImageRecord[] = [];
  for (const name of classes) {
    const files = (await fs.readdir(path.join(absolute, name))).filter((f) => isImage(f, extensions)).sort();
    for (const f of files) records.push({ path: path.join(absolute, name, f), labels: { [column]: name }, file: root, line: 0 });
  }
  if (records.length === 0) throw new Error(`${root}: no images found (extensions ${extensions.join(", ")}) in class subfolders`);
  return { root: absolute, labelColumns: [column], records };
}

export interface ManifestOptions {
  /** Column holding the image path (default: the first of "image", "path", "file" present). */
  readonly imageColumn?: string;
  /** Label columns (default: every other column). */
  readonly labelColumns?: readonly string[];
  /** Accept image paths outside the manifest's folder (default false: refused, as a safety net). */
  readonly allowOutside?: boolean;
  /** Check that each image file exists (default true). */
  readonly checkFiles?: boolean;
}

/**
 * Reads a CSV/TSV/JSONL manifest: one image per record, a path column and label columns (empty =
 * missing). Paths are resolved against the manifest's folder; a path leaving that folder (../, an
 * absolute path elsewhere) is refused unless `allowOutside`; a missing image file is an error naming
 * the manifest line.
 */
export async function readImageManifest(manifest: string, options: ManifestOptions = {}): Promise<ImageListing> {
  const table = await readTable(manifest);
  const imageColumn = options.imageColumn ?? ["image", "path", "file"].find((c) => table.columns.includes(c));
  if (!imageColumn || !table.columns.includes(imageColumn)) {
    const wanted = options.imageColumn ? `"${options.imageColumn}"` : `one of "image", "path", "file"`;
    throw new DataError({ file: manifest, line: table.headerLine ?? 1 }, `expected an image path column ${wanted}; columns are ${table.columns.join(", ")}`);
  }
  const labelColumns = options.labelColumns ?? table.columns.filter((c) => c !== imageColumn);
  for (const c of labelColumns) {
    if (!table.columns.includes(c)) throw new DataError({ file: manifest, line: table.headerLine ?? 1, column: c }, `label column not found`);
  }
  const root = path.dirname(path.resolve(manifest));
  const realRoot = await fs.realpath(root);
  const records: ImageRecord[] = [];
  for (const record of table.records) {
    const where = { file: manifest, line: record.line, column: imageColumn };
    const imagePath = resolveImagePath(record.values[imageColumn], root, options.allowOutside ?? false, where);
    if (!options.allowOutside) await assertRealPathInside(imagePath, realRoot, where);
    if (options.checkFiles ?? true) await assertFile(imagePath, where);
    const labels = dictFrom(labelColumns.map((c) => [c, labelText(own(record.values, c))]));
    records.push({ path: imagePath, labels, file: manifest, line: record.line });
  }
  return { root, labelColumns, records };
}

/** Reads a folder of class subfolders or a manifest file, by what `source` is. */
export async function listImages(source: string, options: ManifestOptions & FolderOptions = {}): Promise<ImageListing> {
  const info = await fs.stat(source).catch(() => {
    throw new Error(`${source}: no such image folder or manifest`);
  });
  return info.isDirectory() ? listImageFolder(source, options) : readImageManifest(source, options);
}

/** Resolves a manifest cell against root; refuses paths that leave root unless allowed. */
export function resolveImagePath(value: RawValue | undefined, root: string, allowOutside: boolean, where: { file: string; line: number; column: string }): string {
  const text = labelText(value);
  if (text === undefined) throw new DataError(where, "image path is empty");
  const resolved = path.resolve(root, text);
  if (isOutside(root, resolved) && !allowOutside) {
    throw new DataError(where, `image path "${text}" leaves the manifest's folder ${root}; move the image inside it or pass allowOutside: true`);
  }
  return resolved;
}

/** A symlinked file or folder may lead out of root although the path does not: compare the real paths. */
async function assertRealPathInside(file: string, realRoot: string, where: { file: string; line: number; column: string }): Promise<void> {
  const real = await fs.realpath(file).catch(() => undefined);
  if (real === undefined) return; // a missing file is reported by assertFile
  if (isOutside(realRoot, real)) {
    throw new DataError(where, `image path leads outside the manifest's folder ${realRoot} through a symbolic link (it resolves to ${real}); move the image inside it or pass allowOutside: true`);
  }
}

function isOutside(root: string, resolved: string): boolean {
  const relative = path.relative(root, resolved);
  return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

async function assertFile(file: string, where: { file: string; line: number; column: string }): Promise<void> {
  const info = await fs.stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new DataError(where, `image file not found: ${file}`);
}

function labelText(value: RawValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === "" ? undefined : text;
}

function isImage(name: string, extensions: readonly string[]): boolean {
  return extensions.includes(path.extname(name).toLowerCase());
}
