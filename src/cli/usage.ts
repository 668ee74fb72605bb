import { CommanderError } from "commander";

/** A mistake in how the command was called (a missing or conflicting flag): exit code 2, as usage errors do. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes: 0 for --help and --version, 2 for usage errors (commander's or ours), 1 for anything else. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  return 1;
}

/**
 * A closed pipe on stdout (e.g. `distmatch predict ... | head -1`) ends the program quietly with
 * success, as other command-line tools do, instead of crashing with EPIPE.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}
