import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { exportCommand } from "../../src/cli/export.js";
import type { StudyResults } from "../../src/study/results.js";
import { FIXTURE_PATH } from "../report/fixture.js";

test("export --csv writes every run's metrics and the summary, with the numbers of results.json", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-export-"));
  await fs.copyFile(FIXTURE_PATH, path.join(dir, "results.json"));
  const results = JSON.parse(await fs.readFile(FIXTURE_PATH, "utf8")) as StudyResults;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = () => true;
  try {
    await exportCommand(dir, { csv: true });
  } finally {
    process.stdout.write = write;
  }
  const runs = parse(await fs.readFile(path.join(dir, "runs.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  const expectedRows = results.runs.reduce((n, r) => n + Object.values(r.metrics).reduce((m, t) => m + Object.keys(t.values).length, 0), 0);
  assert.equal(runs.length, expectedRows);
  const first = results.runs[0];
  const [task, metrics] = Object.entries(first.metrics)[0];
  const row = runs.find((r) => r.variant === first.variant && Number(r.seed) === first.seed && r.task === task && r.metric === metrics.primary);
  assert.ok(row, "a row for the first run's primary metric");
  assert.equal(Number(row.value), metrics.values[metrics.primary]);
  assert.equal(row.primary, "true");

  const summary = parse(await fs.readFile(path.join(dir, "summary.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  assert.equal(summary.length, results.summary.reduce((n, s) => n + Object.keys(s.variants).length, 0));
  for (const s of results.summary) {
    for (const [variant, c] of Object.entries(s.variants)) {
      const r = summary.find((x) => x.task === s.task && x.variant === variant);
      assert.ok(r, `${s.task} / ${variant}`);
      assert.equal(Number(r.mean), c.mean);
      assert.deepEqual(r.values.split(";").map(Number), c.values);
    }
  }
  await fs.rm(dir, { recursive: true, force: true });
});

test("export without a format is a usage error", async () => {
  await assert.rejects(exportCommand("runs/x", {}), { name: "UsageError", message: /--csv/ });
});
