/**
 * Prints a study's headline as a Markdown table (for the README's results section):
 * `tsx scripts/results-markdown.ts runs/soybean runs/zoo ...`
 */
import { readResults } from "../src/report/index.js";

for (const dir of process.argv.slice(2)) {
  const r = await readResults(`${dir}/results.json`);
  const labels = new Map(r.variants.map((v) => [v.id, v.label]));
  const ids = r.variants.map((v) => v.id);
  console.log(`**${r.name}** (${r.seeds.length} seeds, test n = ${r.data.test.n}, relatedness: ${r.relatedness.map((x) => `${x.used.from}→${x.used.to} ${x.method}`).join(", ") || "none"})\n`);
  console.log(`| task (metric) | ${ids.map((id) => labels.get(id)).join(" | ")} |`);
  console.log(`|---|${ids.map(() => "---").join("|")}|`);
  for (const t of r.summary) {
    const cells = ids.map((id) => {
      const c = t.variants[id];
      if (!c) return "";
      const delta = c.delta ? ` (${c.delta.absolute >= 0 ? "+" : ""}${(c.delta.absolute * 100).toFixed(1)})` : "";
      return `${(c.mean * 100).toFixed(1)} ± ${(c.std * 100).toFixed(1)}${delta}${c.negativeTransfer ? " **NT**" : ""}`;
    });
    console.log(`| ${t.task} (${t.metric}) | ${cells.join(" | ")} |`);
  }
  const dm = Object.entries(r.deltaM).map(([id, v]) => `${labels.get(id)} ${v >= 0 ? "+" : ""}${(v * 100).toFixed(2)}%`).join(", ");
  console.log(`\nΔm: ${dm}; wall time ${r.timing.wallSeconds.toFixed(0)} s\n`);
}
