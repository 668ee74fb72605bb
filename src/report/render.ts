import type { TopLevelSpec } from "vega-lite";
import { importOptional } from "../io/optional.js";

type Vega = typeof import("vega");
type VegaLite = typeof import("vega-lite");

let loaded: Promise<[Vega, VegaLite]> | undefined;

/** vega and vega-lite are optional peer dependencies, loaded for the first chart. */
function loadVega(): Promise<[Vega, VegaLite]> {
  return (loaded ??= Promise.all([importOptional<Vega>("vega", "drawing the report's charts"), importOptional<VegaLite>("vega-lite", "drawing the report's charts")]));
}

/**
 * Vega-Lite spec -> SVG string, rendered headless in Node (renderer "none", no canvas, no DOM).
 * Vega escapes text content and attribute values in its SVG output, so user strings carried as
 * data values arrive escaped; test/report/report.test.ts checks this.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const [{ parse, View }, { compile }] = await loadVega();
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    return makeResponsive(prefixIds(svg, idPrefix));
  } finally {
    view.finalize();
  }
}

/**
 * Vega numbers clip paths and gradients with a process-wide counter: inlined side by side they
 * could clash, and the page would change with render order. Renumber them per chart.
 */
function prefixIds(svg: string, prefix: string): string {
  const renamed = new Map<string, string>();
  const rename = (id: string) => {
    if (!renamed.has(id)) renamed.set(id, `${prefix}-${id.replace(/_?\d+$/, "")}${renamed.size}`);
    return renamed.get(id)!;
  };
  return svg
    .replace(/ id="((?:clip|gradient|pattern)_?\d+)"/g, (_, id: string) => ` id="${rename(id)}"`)
    .replace(/url\(#((?:clip|gradient|pattern)_?\d+)\)/g, (_, id: string) => `url(#${rename(id)})`);
}

/** Keep the viewBox, let CSS scale the chart down to the screen (max-width: 100%, height: auto). */
function makeResponsive(svg: string): string {
  return svg.replace(/^<svg /, '<svg preserveAspectRatio="xMinYMin meet" role="img" ');
}
