import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";

/**
 * The fuzz suite's shared rules. Every generated input must end in one of two ways:
 * - a clear error: an Error whose message names the file (and a field, line or column where the
 *   property says so), with no stack trace, no internal JavaScript error text and a bounded length;
 * - a correct result, checked by the property's own oracle.
 * `npm test` runs a few cases per property (DISTMATCH_FUZZ_RUNS, default 8); `npm run fuzz` many more.
 */
export const RUNS = Number(process.env.DISTMATCH_FUZZ_RUNS ?? 8);
export const SEED = Number(process.env.DISTMATCH_FUZZ_SEED ?? 20261202);

export function params<T>(): fc.Parameters<T> {
  return { numRuns: RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true };
}

const INTERNAL = /Cannot read propert|is not a function|is not iterable|undefined is not|null is not|Maximum call stack|is not defined|Invalid array length|RangeError|TypeError|\[object Object\]/;

/** Counts outcomes per area so the full run can print its totals. */
export class Tally {
  private errors = 0;
  private results = 0;
  constructor(readonly area: string) {}
  error(): void {
    this.errors++;
  }
  result(): void {
    this.results++;
  }
  get line(): string {
    return `fuzz ${this.area}: ${this.errors + this.results} cases, ${this.errors} clear errors, ${this.results} correct results, 0 failures`;
  }
}

/** Asserts the error is one a user can act on: it names one of `names`, and matches `field` when given. */
export function assertClearError(err: unknown, names: readonly string[], field?: RegExp): string {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)}`);
  const m = err.message;
  assert.ok(names.some((n) => m.includes(n)), `the message names none of ${JSON.stringify(names)}: ${m}`);
  assert.ok(!/\n\s+at /.test(m), `stack trace in message: ${m}`);
  assert.ok(!INTERNAL.test(m), `internal error text in message: ${m}`);
  assert.ok(m.length <= 2500, `message of ${m.length} characters`);
  if (field) assert.match(m, field);
  return m;
}

/** Runs `work`; an error must be clear (then undefined is returned), a result is returned for the oracle. */
export async function outcome<T>(tally: Tally, work: () => Promise<T> | T, names: readonly string[], field?: RegExp): Promise<T | undefined> {
  let value: T;
  try {
    value = await work();
  } catch (err) {
    assertClearError(err, names, field);
    tally.error();
    return undefined;
  }
  tally.result();
  return value;
}

export async function tmpDir(label: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `distmatch-fuzz-${label}-`));
}

/** Names that break naive code: prototype keys, separators, quotes, blanks, unicode, a BOM, huge. */
export const HOSTILE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "a b", "a_b", "a,b", 'a"b', " padded ", "é", "\uFEFFbom", "null", "?", "x".repeat(300)];

/** Cell text: ordinary words and numbers, missing markers, hostile names, huge and non-finite numbers. */
export const cellText = fc.oneof(
  fc.constantFrom("", "?", "null", "NaN", "Infinity", "-Infinity", "1e308", "-1e308", "1e-320", "0", "1", "yes", "no", "true"),
  fc.constantFrom(...HOSTILE_NAMES),
  fc.string({ maxLength: 8 }),
  fc.double({ noNaN: true }).map(String),
  fc.integer({ min: -5, max: 5 }).map(String),
);

/** One random edit of a text: insert, delete or replace a span with characters that parsers trip on. */
export const textEdit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 6 }),
  insert: fc.oneof(fc.constantFrom("", ",", '"', "'", "\n", "\r\n", "{", "}", "[", "]", ":", "%", "@data", "\uFEFF", "\u0000", "1e999", "-", "null", "__proto__"), fc.string({ maxLength: 4 })),
});

export function applyEdits(text: string, edits: readonly { at: number; remove: number; insert: string }[]): string {
  let out = text;
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + 1);
    out = out.slice(0, at) + e.insert + out.slice(at + e.remove);
  }
  return out;
}

/** One random edit of a JSON value: set or delete a field somewhere in it, with a random value. */
export const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 32, 1e6, 1e9, "", ".", "..", "__proto__", "constructor", [], {}),
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.string({ maxLength: 4 })), { maxLength: 4 }),
);

export const jsonEdit = fc.record({ pick: fc.nat(), value: jsonValue, remove: fc.boolean() });

/** Applies one edit to a deep copy: picks the n-th field (depth first) and replaces or deletes it. */
export function editJson(value: unknown, edit: { pick: number; value: unknown; remove: boolean }): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push({ parent: v, key: i }), walk(x)));
    else if (v && typeof v === "object") {
      for (const k of Object.keys(v)) {
        slots.push({ parent: v as Record<string, unknown>, key: k });
        walk((v as Record<string, unknown>)[k]);
      }
    }
  };
  walk(copy);
  if (slots.length === 0) return edit.value;
  const { parent, key } = slots[edit.pick % slots.length];
  if (edit.remove && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else if (edit.remove && Array.isArray(parent)) parent.splice(key as number, 1);
  else (parent as Record<string | number, unknown>)[key] = edit.value;
  return copy;
}
