import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const example = path.join(root, "examples/penguins-byo");

/** Runs the CLI from source; resolves with exit code and output instead of throwing. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), ...args], { cwd: root, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test("--help on every command", async () => {
  for (const cmd of [[], ["study"], ["train"], ["evaluate"], ["predict"], ["relatedness", "show"], ["relatedness", "estimate"], ["datasets"], ["report"]]) {
    const { code, stdout } = await cli(...cmd, "--help");
    assert.equal(code, 0, cmd.join(" "));
    assert.match(stdout, /Usage: distmatch/, cmd.join(" "));
  }
});

test("datasets lists the built-in data sets with size, tasks and licence", async () => {
  const { code, stdout } = await cli("datasets", "--json");
  assert.equal(code, 0);
  const list = JSON.parse(stdout) as { name: string; size: number; licence: string; tasks: string[] }[];
  const soybean = list.find((d) => d.name === "soybean")!;
  assert.equal(soybean.size, 683);
  assert.match(soybean.licence, /CC BY 4\.0/);
  assert.ok(soybean.tasks.some((t) => t.startsWith("disease (multiclass, 19)")));
});

test("bad input exits non-zero with a message naming what is wrong", async () => {
  const unknown = await cli("study", "--dataset", "nope", "--out", os.tmpdir(), "-q");
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown dataset "nope"/);
  const seeds = await cli("study", "--dataset", "zoo", "--seeds", "a,b");
  assert.notEqual(seeds.code, 0);
  assert.match(seeds.stderr, /--seeds/);
  const noSpec = await cli("study", "--data", "x.csv");
  assert.notEqual(noSpec.code, 0);
  assert.match(noSpec.stderr, /--spec/);
});

test("relatedness show prints the du2014 prior", async () => {
  const { code, stdout } = await cli("relatedness", "show", "--prior", "du2014");
  assert.equal(code, 0);
  assert.match(stdout, /happiness/);
  assert.match(stdout, /AU12/);
});

test("train, predict and evaluate a model on real bring-your-own data (penguin surveys)", async () => {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-cli-"));
  const data = [`${example}/species-survey.csv,${example}/island-survey.csv`, "--test", `${example}/test.csv`, "--spec", `${example}/spec.json`];
  const trained = await cli("train", "--data", ...data, "--name", "byo", "--out", out, "--epochs", "8", "-q", "--no-report");
  assert.equal(trained.code, 0, trained.stderr);
  const modelDir = path.join(out, "byo", "models", "mt_coupling-s0");
  assert.match(trained.stdout, new RegExp(modelDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  for (const f of ["model.json", "weights.bin", "distmatch.json"]) await fs.access(path.join(modelDir, f));

  const predicted = await cli("predict", "--model", modelDir, "--data", `${example}/test.csv`);
  assert.equal(predicted.code, 0, predicted.stderr);
  const lines = predicted.stdout.trim().split("\n").map((l) => JSON.parse(l) as { species: { class: string; probabilities: Record<string, number> } });
  assert.equal(lines.length, 69);
  const p = lines[0].species.probabilities;
  assert.ok(Math.abs(p.Adelie + p.Chinstrap + p.Gentoo - 1) < 1e-4);

  const evaluated = await cli("evaluate", "--model", modelDir, "--data", `${example}/test.csv`, "--spec", `${example}/spec.json`, "--json");
  assert.equal(evaluated.code, 0, evaluated.stderr);
  const metrics = JSON.parse(evaluated.stdout) as Record<string, { values: Record<string, number>; n: number }>;
  assert.equal(metrics.species.n, 69);
  assert.ok(metrics.species.values.accuracy > 0.6, `species accuracy ${metrics.species.values.accuracy}`);

  // The model's own classes decide the indices: no spec (the saved one), a reordered spec, and a file
  // holding only two species all score each row the same way.
  const saved = await cli("evaluate", "--model", modelDir, "--data", `${example}/test.csv`, "--json");
  assert.equal(saved.code, 0, saved.stderr);
  assert.deepEqual(JSON.parse(saved.stdout), metrics);
  const spec = JSON.parse(await fs.readFile(`${example}/spec.json`, "utf8")) as { tasks: { classes: string[] }[] };
  spec.tasks[0].classes = ["Gentoo", "Adelie", "Chinstrap"];
  await fs.writeFile(path.join(out, "reordered.json"), JSON.stringify(spec));
  const reordered = await cli("evaluate", "--model", modelDir, "--data", `${example}/test.csv`, "--spec", path.join(out, "reordered.json"), "--json");
  assert.equal(reordered.code, 0, reordered.stderr);
  assert.deepEqual(JSON.parse(reordered.stdout).species.values, metrics.species.values);
  const rows = (await fs.readFile(`${example}/test.csv`, "utf8")).trim().split("\n");
  const twoSpecies = [rows[0], ...rows.slice(1).filter((r) => !r.includes("Chinstrap"))];
  await fs.writeFile(path.join(out, "two.csv"), twoSpecies.join("\n") + "\n");
  const expected = twoSpecies.slice(1).filter((r) => lines[rows.indexOf(r) - 1].species.class === r.split(",")[4]).length / (twoSpecies.length - 1);
  const subset = await cli("evaluate", "--model", modelDir, "--data", path.join(out, "two.csv"), "--json");
  assert.equal(subset.code, 0, subset.stderr);
  assert.ok(Math.abs(JSON.parse(subset.stdout).species.values.accuracy - expected) < 1e-9, `${subset.stdout} vs ${expected}`);
});

test("study flags --repeats, --tune and --preset map onto the config; the console table shows intervals and verdicts", async () => {
  const { configFromFlags } = await import("../../src/cli/study.js");
  const { config } = await configFromFlags({ dataset: "zoo", out: "runs", report: false, repeats: 2, tune: true, preset: "paper" }, "study");
  assert.deepEqual(config.split, { repeats: 2 });
  assert.deepEqual(config.tuning, {});
  assert.equal(config.preset, "paper");
  const train = await configFromFlags({ dataset: "zoo", out: "runs", report: false, repeats: 3 }, "train");
  assert.equal(train.config.split?.repeats, 1, "train saves one model: one split");

  const { formatSummaryTable } = await import("../../src/cli/table.js");
  const { syntheticResults } = await import("../report/fixture.js");
  const table = formatSummaryTable(syntheticResults());
  assert.match(table, /Δ vs ST \[95% CI\]/);
  assert.match(table, /negative transfer/);
  assert.match(table, /no detectable difference|better/);
  assert.match(table, /Point comparison as in the papers/);
  assert.match(table, /95% t-interval over \(split, seed\) pairs/);
});
