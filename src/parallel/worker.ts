/**
 * A pool worker (see ./pool.ts): runs the jobs its parent sends, one at a time, with the handler module
 * the message names, and sends back progress, the result or the error. Exits when the parent disconnects.
 */
import { errorText, type FromWorker, type PoolHandler, type ToWorker } from "./pool.js";

/** A handler module: `handle` runs a job; the optional `warm` loads what every job needs, once per worker. */
interface HandlerModule {
  readonly handle: PoolHandler<unknown, unknown, unknown>;
  readonly warm?: () => Promise<void>;
}

const handlers = new Map<string, Promise<PoolHandler<unknown, unknown, unknown>>>();

function handlerFor(file: string): Promise<PoolHandler<unknown, unknown, unknown>> {
  let handle = handlers.get(file);
  if (!handle) {
    handle = (import(file) as Promise<HandlerModule>).then(async ({ handle, warm }) => {
      if (typeof handle !== "function") throw new Error(`${file}: expected an exported function handle(descriptor, emit)`);
      await warm?.();
      return handle;
    });
    handlers.set(file, handle);
  }
  return handle;
}

// The pool names its handler when it starts the worker: loading it (and what it imports) overlaps with
// the parent's own work until the first job arrives. A failure here is reported with that job.
if (process.argv[2]) handlerFor(process.argv[2]).catch(() => {});

function send(message: FromWorker): void {
  process.send?.(message);
}

process.on("message", (message: ToWorker) => {
  void (async () => {
    try {
      const handle = await handlerFor(message.handler);
      const result = await handle(message.descriptor, (event) => send({ type: "event", index: message.index, event }));
      send({ type: "result", index: message.index, result });
    } catch (err) {
      send({ type: "error", index: message.index, message: errorText(err) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
