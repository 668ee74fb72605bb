import { test } from "node:test";
import assert from "node:assert/strict";
import { configFromFlags } from "../../src/cli/study.js";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { parseStudyConfig } from "../../src/study/config.js";

test("--dm-gradient, --sca-gradient and --head-hidden reach the study config; bad values name the field", async () => {
  const { config } = await configFromFlags({ dataset: "soybean", out: "runs", report: false, dmGradient: "implied", scaGradient: "both", headHidden: [32, 16] }, "study");
  const parsed = parseStudyConfig(config);
  assert.equal(parsed.coupling.dmGradient, "implied");
  assert.equal(parsed.coupling.scaGradient, "both");
  assert.deepEqual(parsed.model.headHidden, [32, 16]);
  assert.equal(parseStudyConfig({ dataset: "soybean" }).coupling.dmGradient, undefined, "unset: follows stopGradient");
  assert.deepEqual(parseStudyConfig({ dataset: "soybean" }).model.headHidden, []);
  assert.throws(() => parseStudyConfig({ dataset: "soybean", coupling: { dmGradient: "head-a" } }), /coupling\.dmGradient/);
  assert.throws(() => parseStudyConfig({ dataset: "soybean", model: { headHidden: [0] } }), /model\.headHidden\.0/);
});

test("the CLI offers --dm-gradient with its choices and lists the weighting variants in --help", async () => {
  const root = path.resolve(import.meta.dirname, "../..");
  const { stdout: help } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), "study", "--help"], { cwd: root });
  const text = help.replace(/\s+/g, " "); // commander wraps long lines
  assert.match(text, /--dm-gradient <heads>/);
  assert.match(text, /"both", "matched", "implied"/);
  assert.match(text, /uw,gradnorm,pcgrad,aligned-mtl/);
  assert.ok(parseStudyConfig({ dataset: "soybean", variants: ["uw+coupling", "pcgrad", "aligned-mtl+coupling", "gradnorm"] }));
  assert.throws(() => parseStudyConfig({ dataset: "soybean", variants: ["mgda"] }), /variants\.0/);
});

test("--min-confidence and --no-trunk-gradient reach the coupling section; a gate outside [0, 1) names the field", async () => {
  const { config } = await configFromFlags({ dataset: "soybean", out: "runs", report: false, minConfidence: 0.8, trunkGradient: false }, "study");
  const parsed = parseStudyConfig(config);
  assert.equal(parsed.coupling.minConfidence, 0.8);
  assert.equal(parsed.coupling.trunkGradient, false);
  assert.equal(parseStudyConfig({ dataset: "soybean" }).coupling.minConfidence, undefined, "unset: no gate, and run cache keys unchanged");
  assert.throws(() => parseStudyConfig({ dataset: "soybean", coupling: { minConfidence: 1 } }), /coupling\.minConfidence/);
});
