import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "..");

/** The source file behind an import of the package: "distmatch" or a subpath such as "distmatch/study". */
function sourceEntry(specifier: string): string {
  return specifier === "distmatch" ? path.join(root, "src/index.ts") : path.join(root, "src/entry", `${specifier.slice("distmatch/".length)}.ts`);
}

/** The README's library example, with imports of "distmatch" pointed at the source entries. */
async function libraryExample(): Promise<string> {
  const readme = await fs.readFile(path.join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The library"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(match, "README has a ```ts example under '## The library'");
  return match[1].replace(/from "(distmatch(?:\/[a-z]+)?)"/g, (_, specifier: string) => `from ${JSON.stringify(sourceEntry(specifier))}`);
}

test("the README's library example runs and prints what it promises", async () => {
  const dir = path.join(root, ".cache");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `readme-example-${process.pid}.ts`);
  await fs.writeFile(file, await libraryExample());
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-readme-"));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", import.meta.resolve("tsx"), file], { cwd, maxBuffer: 1 << 24 });
    const lines = stdout.trim().split("\n");
    assert.ok(lines.includes("true true"), stdout);
    assert.ok(lines.some((l) => l.startsWith(path.join(cwd, "runs-readme", "zoo", "results.json")) && l.includes("type") && l.includes("traits")), stdout);
  } finally {
    await fs.rm(file, { force: true });
  }
});
