import * as path from "node:path";
import { builtinPriors, estimateFromSources, formatRelatedness, loadRelatedness, relatednessToJson, saveRelatedness } from "../relatedness/index.js";
import type { Relatedness } from "../relatedness/types.js";
import { readTable } from "../data/readers/index.js";
import { tableFromRecords } from "../data/table.js";
import { parseColumnSpec, type ColumnSpec } from "../data/spec.js";
import { tableToSource } from "../data/sources.js";
import { readStudyConfig } from "../study/config.js";
import { own } from "../data/names.js";

export async function relatednessShowCommand(file: string | undefined, flags: { prior?: string; json?: boolean }): Promise<void> {
  let R: Relatedness;
  if (flags.prior) {
    const make = own(builtinPriors, flags.prior);
    if (!make) throw new Error(`unknown prior "${flags.prior}" (known: ${Object.keys(builtinPriors).join(", ")})`);
    R = make();
  } else if (file) {
    R = await loadRelatedness(file);
  } else {
    throw new Error("give a relatedness file or --prior <name>");
  }
  process.stdout.write(flags.json ? relatednessToJson(R) + "\n" : formatRelatedness(R) + "\n");
}

export async function relatednessEstimateCommand(flags: { data: string[]; spec: string; from: string; to: string; alpha: number; output?: string }): Promise<void> {
  const spec = parseColumnSpec(await readStudyConfig(flags.spec), flags.spec) as ColumnSpec;
  const tables = await Promise.all(flags.data.map((f) => readTable(path.resolve(f))));
  const table = tableFromRecords(tables, spec);
  const from = table.tasks.find((t) => t.name === flags.from);
  const to = table.tasks.find((t) => t.name === flags.to);
  if (!from || !to) throw new Error(`--from/--to: tasks are ${table.tasks.map((t) => t.name).join(", ")}`);
  const inputs = { inputShape: [0], inputs: new Float32Array(0), description: "none" };
  const source = tableToSource(table, inputs, { name: "all" });
  const R = estimateFromSources([source], from, to, { alpha: flags.alpha });
  if (flags.output) {
    await saveRelatedness(flags.output, R);
    process.stderr.write(`saved ${flags.output}\n`);
  }
  process.stdout.write(formatRelatedness(R) + "\n");
}
