import { fileStorage } from "./storage.js";

/** Writes a file so that readers see either the old or the new content, never a torn one. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fileStorage().write(file, data);
}

export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n");
}

export async function exists(file: string): Promise<boolean> {
  return fileStorage().exists(file);
}
