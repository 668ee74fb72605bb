import { listDatasets } from "../datasets/index.js";
import { headSize } from "../tasks/types.js";

export function datasetsCommand(flags: { json?: boolean }): void {
  const all = listDatasets().map((d) => ({
    name: d.name,
    title: d.title,
    size: d.size,
    tasks: d.tasks.map((t) => `${t.name} (${t.kind}, ${headSize(t)})`),
    representations: d.representations,
    licence: d.licence,
    origin: d.origin,
  }));
  if (flags.json) {
    process.stdout.write(JSON.stringify(all, null, 2) + "\n");
    return;
  }
  for (const d of all) {
    process.stdout.write(`${d.name}  ${d.title}\n  samples: ${d.size}\n  tasks: ${d.tasks.join("; ")}\n  inputs: ${d.representations.join(", ")}\n  licence: ${d.licence}\n  source: ${d.origin}\n\n`);
  }
}
