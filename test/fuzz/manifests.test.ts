import { test } from "node:test";
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { readImageManifest } from "../../src/features/manifest.js";
import { Tally, outcome, params, tmpDir } from "./harness.js";

const tally = new Tally("manifests");

/** Image paths a manifest may hold, and whether each must be accepted (inside the folder, really, and present). */
const PATHS: readonly (readonly [string, boolean])[] = [
  ["img/a.png", true],
  ["./img/b.png", true],
  ["img/../img/a.png", true],
  ["inlink.png", true], // a symlink to an image inside the folder
  ["../outside/x.png", false],
  ["img/../../outside/x.png", false],
  ["linkdir/x.png", false], // a symlinked folder that leads outside
  ["linkfile.png", false], // a symlinked file that leads outside
  ["missing.png", false],
  ["", false],
  ["img", false], // a folder, not a file
];

async function fixture(): Promise<{ root: string; outsideAbs: string }> {
  const base = await tmpDir("manifest");
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  await fs.mkdir(path.join(root, "img"), { recursive: true });
  await fs.mkdir(outside, { recursive: true });
  for (const f of ["img/a.png", "img/b.png"]) await fs.writeFile(path.join(root, f), "png");
  await fs.writeFile(path.join(outside, "x.png"), "png");
  await fs.symlink(outside, path.join(root, "linkdir"));
  await fs.symlink(path.join(outside, "x.png"), path.join(root, "linkfile.png"));
  await fs.symlink(path.join(root, "img", "a.png"), path.join(root, "inlink.png"));
  return { root, outsideAbs: path.join(outside, "x.png") };
}

test("manifests: every image inside the folder (after resolving symlinks) is accepted, anything else is refused naming the manifest, line and column", async () => {
  const { root, outsideAbs } = await fixture();
  const realRoot = await fs.realpath(root);
  const choice = fc.oneof(fc.constantFrom(...PATHS), fc.constant([outsideAbs, false] as const));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(choice, fc.constantFrom("cat", "dog", "", "__proto__")), { minLength: 1, maxLength: 6 }), fc.boolean(), async (rows, bom) => {
      const manifest = path.join(root, "manifest.csv");
      await fs.writeFile(manifest, `${bom ? "\uFEFF" : ""}image,label\n${rows.map(([[p], label]) => `"${p}",${label}`).join("\n")}\n`);
      const listing = await outcome(tally, () => readImageManifest(manifest), [manifest], /manifest\.csv:\d+: column "image"/);
      const acceptable = rows.every(([[, ok]]) => ok);
      assert.equal(listing !== undefined, acceptable, JSON.stringify(rows));
      if (!listing) return;
      for (const [i, record] of listing.records.entries()) {
        const real = await fs.realpath(record.path);
        assert.ok(!path.relative(realRoot, real).startsWith(".."), real);
        assert.equal(record.labels.label, rows[i][1] === "" ? undefined : rows[i][1]);
      }
    }),
    params(),
  );
});

test("tally", (t) => t.diagnostic(tally.line));
