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
    super(`${formatLocation(where)}: ${problem}`);
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
