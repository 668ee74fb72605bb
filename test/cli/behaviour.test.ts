/** How the CLI behaves as a command-line tool: exit codes, closed pipes, terminals, where `train` writes. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { canDrawBars } from "../../src/cli/progress.js";
import { configFromFlags } from "../../src/cli/study.js";

const root = path.resolve(import.meta.dirname, "../..");

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ["--import", "tsx", path.join(root, "src/cli/main.ts"), ...args], { cwd: root }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test("usage errors exit with code 2 and say what is wrong; --help exits 0", async () => {
  const badSeeds = await cli("study", "--dataset", "zoo", "--seeds", "a,b");
  assert.equal(badSeeds.code, 2, badSeeds.stderr);
  assert.match(badSeeds.stderr, /--seeds/);
  const missingOption = await cli("predict", "--data", "x.csv");
  assert.equal(missingOption.code, 2, missingOption.stderr);
  assert.match(missingOption.stderr, /--model/);
  const noSpec = await cli("study", "--data", "x.csv");
  assert.equal(noSpec.code, 2, noSpec.stderr);
  assert.match(noSpec.stderr, /--data needs --spec/);
  const unknownCommand = await cli("stduy");
  assert.equal(unknownCommand.code, 2);
  assert.equal((await cli("--help")).code, 0);
});

test("a reader that closes the pipe early (| head -1) ends the writer quietly with code 0", async () => {
  const writer = `
    const { exitQuietlyOnClosedPipe } = await import(${JSON.stringify(path.join(root, "src/cli/usage.ts"))});
    exitQuietlyOnClosedPipe(process.stdout);
    const line = "x".repeat(1000) + "\\n";
    const more = () => { while (process.stdout.write(line)); process.stdout.once("drain", more); };
    more();
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", writer], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout.once("data", () => child.stdout.destroy());
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE/);
});

test("progress bars (cursor codes) only on a terminal that is not TERM=dumb", () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  const pipe = { isTTY: false } as NodeJS.WriteStream;
  assert.equal(canDrawBars(tty, { TERM: "xterm-256color" }), true);
  assert.equal(canDrawBars(tty, { TERM: "dumb" }), false);
  assert.equal(canDrawBars(pipe, { TERM: "xterm-256color" }), false);
});

test("train writes to its own folder, not over the study of the same data set", async () => {
  const train = await configFromFlags({ dataset: "penguins", out: "runs", report: true }, "train");
  const study = await configFromFlags({ dataset: "penguins", out: "runs", report: true }, "study");
  assert.equal(train.config.name, "penguins-train");
  assert.equal(study.config.name, undefined, "a study keeps the default name, the data set's");
  const named = await configFromFlags({ dataset: "penguins", name: "mine", out: "runs", report: true }, "train");
  assert.equal(named.config.name, "mine");
});
