/**
 * Stand-in for modules the browser build cannot have (sharp, node:module, node:url): importing is
 * fine, calling says clearly what is missing instead of failing somewhere deep inside.
 */
function unavailable(what: string): never {
  throw new Error(`${what} is not available in the browser app (it needs Node.js; use the CLI)`);
}

/** Modules call createRequire at load time; only using the require it returns fails. */
export function createRequire(): (id: string) => never {
  const require = (id: string): never => unavailable(`loading ${id} with require`);
  return Object.assign(require, { resolve: (id: string): never => unavailable(`finding ${id} with require.resolve`) });
}

export function fileURLToPath(url: string | URL): string {
  return typeof url === "string" ? new URL(url).pathname : url.pathname;
}

export function pathToFileURL(path: string): URL {
  return new URL(`file://${path}`);
}

export default function sharp(): never {
  return unavailable("image decoding with sharp");
}

export function gunzipSync(): never {
  return unavailable("reading .gz files");
}
