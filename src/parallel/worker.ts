/**
 * A pool worker (see ./pool.ts): runs the jobs its parent sends, one at a time, with the handler module
 * the message names, and sends back progress, the result or the error. Exits when the parent disconnects.
 */
import type { FromWorker, PoolHandler, ToWorker } from "./pool.js";

const handlers = new Map<string, PoolHandler<unknown, unknown, unknown>>();

async function handlerFor(file: string): Promise<PoolHandler<unknown, unknown, unknown>> {
  let handle = handlers.get(file);
  if (!handle) {
    handle = ((await import(file)) as { handle: PoolHandler<unknown, unknown, unknown> }).handle;
    if (typeof handle !== "function") throw new Error(`${file}: expected an exported function handle(descriptor, emit)`);
    handlers.set(file, handle);
  }
  return handle;
}

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
      send({ type: "error", index: message.index, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  })();
});
process.on("disconnect", () => process.exit(0));
