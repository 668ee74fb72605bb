/**
 * The core's optional-package loader as the web build sees it: the packages the page bundles (vega and
 * vega-lite, for the report's charts) are real imports the bundler can follow; any other optional
 * package (sharp, face-api, data packages) is not in the browser app and says so.
 * web/vite.config.ts points the core's imports of src/io/optional.ts here.
 */
import { MissingPackageError } from "../../../src/io/optional.js";

export { MissingPackageError };

const bundled: Readonly<Record<string, () => Promise<unknown>>> = {
  vega: () => import("vega"),
  "vega-lite": () => import("vega-lite"),
};

export async function importOptional<T>(specifier: string, purpose: string): Promise<T> {
  const load = bundled[specifier];
  if (!load) throw new MissingPackageError(specifier, `${purpose} (not in the browser app; use the CLI)`);
  return (await load()) as T;
}

export function requireOptional<T>(specifier: string, purpose: string): T {
  throw new MissingPackageError(specifier, `${purpose} (not in the browser app; use the CLI)`);
}

export function resolveOptional(specifier: string, purpose: string): string {
  throw new MissingPackageError(specifier, `${purpose} (not in the browser app; use the CLI)`);
}
