import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "..");
const exec = promisify(execFile);

/** The source file behind an import of the package: "distmatch" or a subpath such as "distmatch/study". */
function sourceEntry(specifier: string): string {
  return specifier === "distmatch" ? path.join(root, "src/index.ts") : path.join(root, "src/entry", `${specifier.slice("distmatch/".length)}.ts`);
}

/** Every ```ts block of the README, with the heading it sits under. */
async function tsBlocks(): Promise<{ heading: string; code: string }[]> {
  const readme = await fs.readFile(path.join(root, "README.md"), "utf8");
  const blocks: { heading: string; code: string }[] = [];
  let heading = "";
  for (const part of readme.split(/(^```ts\n[\s\S]*?^```$)/m)) {
    const code = /^```ts\n([\s\S]*?)```$/.exec(part)?.[1];
    if (code !== undefined) blocks.push({ heading, code });
    else heading = [...part.matchAll(/^#+ (.*)$/gm)].pop()?.[1] ?? heading;
  }
  return blocks;
}

/** A block with its imports of "distmatch" pointed at the source entries, to run it through tsx. */
function runnable(code: string): string {
  return code.replace(/from "(distmatch(?:\/[a-z]+)?)"/g, (_, specifier: string) => `from ${JSON.stringify(sourceEntry(specifier))}`);
}

async function inScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(root, ".cache", `readme-${process.pid}`);
  await fs.mkdir(dir, { recursive: true });
  try {
    return await work(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test("every ts block of the README type-checks (tsc --noEmit, strict, as a user importing distmatch would)", async () => {
  const blocks = await tsBlocks();
  assert.ok(blocks.length >= 2, `found ${blocks.length} ts blocks`);
  await inScratchDir(async (dir) => {
    const files = await Promise.all(
      blocks.map(async (b, i) => {
        const file = path.join(dir, `block-${i + 1}.ts`);
        await fs.writeFile(file, `// README.md, under "${b.heading}"\n${b.code}`);
        return file;
      }),
    );
    const tsconfig = {
      extends: path.join(root, "tsconfig.json"),
      compilerOptions: { noEmit: true, rootDir: root, paths: { distmatch: [sourceEntry("distmatch")], "distmatch/*": [path.join(root, "src/entry/*.ts")] } },
      include: files,
    };
    await fs.writeFile(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = path.join(root, "node_modules/typescript/bin/tsc");
    const result = await exec(process.execPath, [tsc, "-p", path.join(dir, "tsconfig.json")], { maxBuffer: 1 << 24 }).then(
      () => "",
      (e: { stdout: string }) => e.stdout,
    );
    assert.equal(result, "", `README examples do not type-check:\n${result}`);
  });
});

test("the README's library example runs and prints what it promises; the losses-only example runs", async () => {
  const blocks = await tsBlocks();
  const library = blocks.find((b) => b.heading === "The library");
  const lossesOnly = blocks.find((b) => b.heading === "Using only the losses");
  assert.ok(library && lossesOnly, "README has ts examples under 'The library' and 'Using only the losses'");
  await inScratchDir(async (dir) => {
    const cwd = await fs.mkdtemp(path.join(os.tmpdir(), "distmatch-readme-"));
    const run = async (code: string, name: string) => {
      const file = path.join(dir, name);
      await fs.writeFile(file, runnable(code));
      return (await exec(process.execPath, ["--import", import.meta.resolve("tsx"), file], { cwd, maxBuffer: 1 << 24 })).stdout;
    };
    const stdout = await run(library.code, "library.ts");
    const lines = stdout.trim().split("\n");
    assert.ok(lines.includes("true true"), stdout);
    assert.ok(lines.some((l) => l.startsWith(path.join(cwd, "runs-readme", "zoo", "results.json")) && l.includes("type") && l.includes("traits")), stdout);
    await run(lossesOnly.code, "losses.ts");
  });
});
