import { promises as fs } from "node:fs";
import * as tf from "../engine/tf.js";

let cached: Record<string, string> | undefined;

/** Versions that decide the numbers: distmatch, TensorFlow.js, Node and the platform. */
export async function softwareVersions(): Promise<Record<string, string>> {
  if (cached) return cached;
  const pkg = JSON.parse(await fs.readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  cached = {
    distmatch: pkg.version,
    tfjs: tf.version_core,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  return cached;
}
