/**
 * Escaping for every string that reaches the page. Names of tasks, classes, labels, sources and
 * variants come from user files, so nothing from results.json is ever written to HTML unescaped.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML text content and for double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]);
}

/** `name="value"` with the value escaped; for data-* attributes built from user strings and numbers. */
export function attr(name: string, value: string | number): string {
  return `${name}="${escapeHtml(value)}"`;
}
