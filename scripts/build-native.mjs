#!/usr/bin/env node
/* global process, console */
// Builds distmatch's optional native engine (native/torch_engine.cc) against Debian's libtorch-dev
// when it is installed, with the machine's g++ and Node's own headers: nothing is downloaded. Runs at
// install; without libtorch (or on any build error) it says so and exits 0, since the engine is optional.
// `--required` (or DISTMATCH_NATIVE_REQUIRED=1) makes a missing libtorch or a failed build an error (for CI
// and `npm run build:native`); DISTMATCH_SKIP_NATIVE=1 skips the build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const required = process.argv.includes("--required") || process.env.DISTMATCH_NATIVE_REQUIRED === "1";
const torch = process.env.LIBTORCH_DIR ?? "/usr";
const nodeHeaders = [process.env.npm_config_nodedir, join(dirname(process.execPath), ".."), "/usr"]
  .filter(Boolean)
  .map((dir) => join(dir, "include", "node"))
  .find((dir) => existsSync(join(dir, "node_api.h")));
const torchHeader = join(torch, "include", "torch", "csrc", "api", "include", "torch", "torch.h");
const out = join(root, "native", "build", "distmatch_torch.node");

function skip(reason) {
  const message = `distmatch: native engine not built (${reason}); training uses TensorFlow.js, which is the default anyway`;
  if (required) {
    console.error(message);
    process.exit(1);
  }
  console.log(message);
  process.exit(0);
}

if (process.env.DISTMATCH_SKIP_NATIVE) skip("DISTMATCH_SKIP_NATIVE is set");
if (!existsSync(torchHeader)) skip(`no libtorch headers at ${torchHeader}; install Debian's libtorch-dev or set LIBTORCH_DIR`);
if (!nodeHeaders) skip("Node's headers (node_api.h) were not found");
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
const args = [
  "-O3", "-std=c++17", "-shared", "-fPIC", "-ffp-contract=off", "-fno-math-errno", "-DNODE_GYP_MODULE_NAME=distmatch_torch",
  `-I${nodeHeaders}`, `-I${join(torch, "include")}`, `-I${join(torch, "include", "torch", "csrc", "api", "include")}`,
  join(root, "native", "torch_engine.cc"), "-o", tmp,
  `-L${join(torch, "lib")}`, "-ltorch", "-ltorch_cpu", "-lc10", "-ldl",
];
try {
  console.log(`distmatch: building the native engine against libtorch in ${torch} (about a minute)`);
  execFileSync(process.env.CXX ?? "g++", args, { stdio: "inherit" });
  renameSync(tmp, out);
  console.log(`distmatch: native engine built: ${out}`);
} catch (error) {
  skip(`the build failed: ${error instanceof Error ? error.message : String(error)}`);
}
