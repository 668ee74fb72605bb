import { createRequire } from "node:module";

/**
 * Optional peer dependencies (sharp, vega, face-api, the data packages) are loaded when first used, so
 * that the core installs and imports without them. A missing one gives an error that says what to install.
 */
export class MissingPackageError extends Error {
  constructor(readonly packageName: string, purpose: string) {
    super(`${purpose} needs the optional package "${packageName}", which is not installed: run \`npm install ${packageName}\``);
    this.name = "MissingPackageError";
  }
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function isNotFound(err: unknown, specifier: string): boolean {
  const e = err as { code?: string; message?: string };
  return (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND") && (e.message ?? "").includes(packageNameOf(specifier));
}

/** `import(specifier)`, or a MissingPackageError naming the package and what needs it. */
export async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    if (isNotFound(err, specifier)) throw new MissingPackageError(packageNameOf(specifier), purpose);
    throw err;
  }
}

const require = createRequire(import.meta.url);

/** `require(specifier)` for CommonJS-only files, or a MissingPackageError. */
export function requireOptional<T>(specifier: string, purpose: string): T {
  try {
    return require(specifier) as T;
  } catch (err) {
    if (isNotFound(err, specifier)) throw new MissingPackageError(packageNameOf(specifier), purpose);
    throw err;
  }
}

/** `require.resolve(specifier)`, or a MissingPackageError. */
export function resolveOptional(specifier: string, purpose: string): string {
  try {
    return require.resolve(specifier);
  } catch (err) {
    if (isNotFound(err, specifier)) throw new MissingPackageError(packageNameOf(specifier), purpose);
    throw err;
  }
}
