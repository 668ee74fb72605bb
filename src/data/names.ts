/**
 * A name (task, study) as a file or layer name, one-to-one: a name of letters and digits only stays
 * as it is; any other name keeps its letters and digits and gains a hash of the full name, so `a b`,
 * `a_b` and `a-b` never share a file. Hashed names contain "_", which plain names cannot.
 */
export function fileSafeName(name: string): string {
  if (/^[A-Za-z0-9]+$/.test(name)) return name;
  const readable = name.replace(/[^A-Za-z0-9]+/g, "_").slice(0, 40);
  return `${readable}_${fnv1a(name, 0x811c9dc5)}${fnv1a(name, 0x01000193)}`;
}

/** 32-bit FNV-1a of the UTF-16 code units, as 8 hex digits (pure JS: the core also runs in a browser). */
function fnv1a(text: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** An object with no prototype, so a key such as "constructor" or "__proto__" is just a key. */
export function emptyDict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Object.fromEntries into a null-prototype object. */
export function dictFrom<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = emptyDict<T>();
  for (const [k, v] of entries) out[k] = v;
  return out;
}

/** The own property `key` of a name-keyed record, never one inherited from Object.prototype. */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
