/** Where in a file a problem is: file name, 1-based line, and column name when there is one. */
export interface DataLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: string;
}

/** An error in input data; the message starts with `file:line: column "x":` so a user can find the cell. */
export class DataError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: string;

  constructor(where: DataLocation, problem: string) {
    super(`${formatLocation(where)}: ${shortenLongRuns(problem)}`);
    this.name = "DataError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }
}

export function formatLocation(where: DataLocation): string {
  const place = where.line === undefined ? where.file : `${where.file}:${where.line}`;
  return where.column === undefined ? place : `${place}: column "${where.column}"`;
}

const LONG_RUN = 120;

const LONG_MESSAGE = 2000;

/**
 * Cuts every run of over 120 non-blank characters (a huge cell echoed back) to its start and its
 * length, and a message still over 2000 characters to its start.
 */
export function shortenLongRuns(text: string): string {
  const short = text.replace(new RegExp(`\\S{${LONG_RUN + 1},}`, "g"), (run) => `${run.slice(0, 60)}… (${run.length} characters)`);
  return short.length > LONG_MESSAGE ? `${short.slice(0, LONG_MESSAGE)}… (message cut at ${LONG_MESSAGE} of ${short.length} characters)` : short;
}
