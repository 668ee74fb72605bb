import { basename, fileStorage, gunzip } from "../../io/storage.js";
import { DataError } from "../errors.js";
import type { ArffAttribute, RawRecord, RawTable, RawValue } from "./types.js";

/** Reads a Weka ARFF file (plain or .gz). */
export async function readArff(path: string): Promise<RawTable> {
  const bytes = await fileStorage().read(path);
  const text = new TextDecoder().decode(path.endsWith(".gz") ? await gunzip(bytes) : bytes);
  return parseArff(text, basename(path));
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
}

/**
 * Parses ARFF text: `%` comments, `@relation`, `@attribute name numeric|real|integer|string|date|{a,b,...}`,
 * then `@data` rows of comma-separated values ('...' or "..." quoting, `?` = missing -> null).
 * Numeric cells become numbers; nominal cells are checked against the declared values. Sparse rows
 * (`{0 x, 3 y}`) are not supported.
 */
export function parseArff(text: string, file: string): RawTable {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const attributes: ArffAttribute[] = [];
  const records: RawRecord[] = [];
  let dataLine: number | undefined;
  lines.forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === "" || content.startsWith("%")) return;
    if (dataLine === undefined) {
      dataLine = readHeaderLine(content, attributes, { file, line }) ? line : undefined;
      return;
    }
    records.push(readDataLine(content, attributes, file, line));
  });
  if (dataLine === undefined) throw new DataError({ file }, "expected an @data section, found none");
  if (attributes.length === 0) throw new DataError({ file, line: dataLine }, "expected @attribute declarations before @data");
  return { file, columns: attributes.map((a) => a.name), records, attributes, headerLine: dataLine };
}

/** Handles one header line; returns true when it is `@data`. */
function readHeaderLine(content: string, attributes: ArffAttribute[], where: { file: string; line: number }): boolean {
  const keyword = content.split(/\s/, 1)[0].toLowerCase();
  if (keyword === "@data") return true;
  if (keyword === "@relation") return false;
  if (keyword === "@attribute") {
    const attribute = parseAttribute(content.slice(keyword.length).trim(), where);
    if (attributes.some((a) => a.name === attribute.name)) {
      throw new DataError({ ...where, column: attribute.name }, "duplicate @attribute name");
    }
    attributes.push(attribute);
    return false;
  }
  throw new DataError(where, `expected @relation, @attribute or @data, found "${content.slice(0, 40)}"`);
}

function parseAttribute(rest: string, where: { file: string; line: number }): ArffAttribute {
  const { name, after } = takeName(rest, where);
  const type = stripTrailingComment(after.trim());
  const lower = type.toLowerCase();
  if (lower === "numeric" || lower === "real" || lower === "integer") return { name, type: "numeric" };
  if (lower === "string") return { name, type: "string" };
  if (lower.startsWith("date")) return { name, type: "date" };
  if (type.startsWith("{") && type.endsWith("}")) {
    const values = splitValues(type.slice(1, -1), { ...where, column: name }).map((t) => t.text);
    if (values.length === 0) throw new DataError({ ...where, column: name }, "expected at least one nominal value in {...}");
    return { name, type: "nominal", values };
  }
  throw new DataError({ ...where, column: name }, `expected a type numeric, real, integer, string, date or {values}, found "${type}"`);
}

/** Drops a `% comment` after the type: after the closing brace of a nominal list, else after the first %. */
function stripTrailingComment(type: string): string {
  if (type.startsWith("{")) {
    const close = type.lastIndexOf("}");
    return close >= 0 && /^\s*(%.*)?$/.test(type.slice(close + 1)) ? type.slice(0, close + 1) : type;
  }
  return type.split("%")[0].trim();
}

function takeName(rest: string, where: { file: string; line: number }): { name: string; after: string } {
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    const end = rest.indexOf(quote, 1);
    if (end < 0) throw new DataError(where, "expected a closing quote after the attribute name");
    return { name: rest.slice(1, end), after: rest.slice(end + 1) };
  }
  const match = /^(\S+)\s+(.*)$/.exec(rest);
  if (!match) throw new DataError(where, "expected `@attribute <name> <type>`");
  return { name: match[1], after: match[2] };
}

function readDataLine(content: string, attributes: readonly ArffAttribute[], file: string, line: number): RawRecord {
  if (content.startsWith("{")) throw new DataError({ file, line }, "sparse ARFF rows ({index value, ...}) are not supported");
  const tokens = splitValues(content, { file, line });
  if (tokens.length !== attributes.length) {
    throw new DataError({ file, line }, `expected ${attributes.length} values (one per @attribute), found ${tokens.length}`);
  }
  const values: Record<string, RawValue> = {};
  attributes.forEach((attribute, i) => {
    values[attribute.name] = convertValue(tokens[i], attribute, { file, line, column: attribute.name });
  });
  return { file, line, values };
}

function convertValue(token: Token, attribute: ArffAttribute, where: { file: string; line: number; column: string }): RawValue {
  if (!token.quoted && token.text === "?") return null;
  if (attribute.type === "numeric") {
    const value = Number(token.text);
    if (token.text === "" || !Number.isFinite(value)) throw new DataError(where, `expected a number, found "${token.text}"`);
    return value;
  }
  if (attribute.type === "nominal" && !attribute.values!.includes(token.text)) {
    throw new DataError(where, `expected one of {${attribute.values!.join(",")}} or ?, found "${token.text}"`);
  }
  return token.text;
}

/** Splits comma-separated ARFF values; quotes protect commas, `\` escapes inside quotes, `%` outside quotes starts a comment. */
function splitValues(text: string, where: { file: string; line: number; column?: string }): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i <= text.length) {
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length || text[i] === "%") {
      if (tokens.length > 0) tokens.push({ text: "", quoted: false });
      break;
    }
    const quote = text[i];
    let token: Token;
    if (quote === "'" || quote === '"') {
      const read = readQuoted(text, i, where);
      token = { text: read.text, quoted: true };
      i = read.end;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "%") end++;
      token = { text: text.slice(i, end).trim(), quoted: false };
      i = end;
    }
    tokens.push(token);
    while (i < text.length && /\s/.test(text[i])) i++;
    if (i >= text.length || text[i] === "%") break;
    if (text[i] !== ",") throw new DataError(where, `expected "," between values, found "${text[i]}"`);
    i++;
  }
  return tokens;
}

function readQuoted(text: string, start: number, where: { file: string; line: number; column?: string }): { text: string; end: number } {
  const quote = text[start];
  let out = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      out += text[++i];
    } else if (c === quote) {
      return { text: out, end: i + 1 };
    } else {
      out += c;
    }
  }
  throw new DataError(where, `expected a closing ${quote} quote`);
}
