import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { studyResultsSchema, type StudyResults } from "../study/results.js";

/** A results.json that cannot be read, parsed or validated; the message names the file and the field. */
export class ResultsFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "ResultsFileError";
  }
}

/** Reads and validates a results.json. */
export async function readResults(file: string): Promise<StudyResults> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ResultsFileError(file, `cannot read the file (${(error as Error).message})`);
  }
  return parseResults(text, file);
}

/** Parses and validates results.json text; `file` is only used in error messages. */
export function parseResults(text: string, file: string): StudyResults {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(file, `not valid JSON: ${describeJsonError(text, error as Error)}`);
  }
  const parsed = studyResultsSchema.safeParse(json);
  if (!parsed.success) throw new ResultsFileError(file, describeIssues(parsed.error.issues));
  return parsed.data;
}

/** JSON.parse reports a character position (or, on Node 20, a snippet); people look for a line. */
function describeJsonError(text: string, error: Error): string {
  const position = jsonErrorPosition(text, error.message);
  if (position === undefined) return error.message;
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: ${error.message}`;
}

function jsonErrorPosition(text: string, message: string): number | undefined {
  const explicit = /position (\d+)/.exec(message);
  if (explicit) return Number(explicit[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  // V8: `Unexpected token 'x', ..."<10 chars before>x<10 after>"... is not valid JSON`
  const snippet = /Unexpected token '([\s\S])', (\.\.\.)?"([\s\S]*)"(?:\.\.\.)? is not valid JSON/.exec(message);
  if (!snippet) return undefined;
  const [, token, truncated, context] = snippet;
  const start = text.indexOf(context);
  if (start < 0) return undefined;
  return start + (truncated ? 10 : Math.max(0, context.indexOf(token)));
}

/** "field summary[0].variants.st.mean: expected number, received string" (first few issues). */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `field ${fieldPath(issue.path)}: ${issue.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : "";
  return `does not match the results schema: ${shown.join("; ")}${more}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(top level)";
  return path
    .map((key, index) => {
      if (typeof key === "number") return `[${key}]`;
      const name = String(key);
      const plain = /^[A-Za-z_$][\w$]*$/.test(name);
      if (!plain) return `[${JSON.stringify(name)}]`;
      return index === 0 ? name : `.${name}`;
    })
    .join("");
}
