import { useBackend } from "./src/engine/backend.js";
import { loadMobileNetV2 } from "./src/features/mobilenet.js";
import { decodeImage } from "./src/features/image.js";
import * as fs from "node:fs";
const be = process.argv[2] ?? "wasm";
console.log(await useBackend(be as "wasm"));
const dir = "node_modules/emoji-datasource-twitter/img/twitter/64";
const files = fs.readdirSync(dir).slice(0, 64).map((f) => `${dir}/${f}`);
for (const size of [224, 128, 96]) {
  let t = Date.now();
  const bb = await loadMobileNetV2({ inputSize: size });
  console.log("load", size, Date.now() - t, "ms", bb.weightsHash);
  const imgs = await Promise.all(files.map((f) => decodeImage(f, bb.decode)));
  await bb.extract(imgs.slice(0, 16));
  t = Date.now();
  const f = await bb.extract(imgs);
  const dt = (Date.now() - t) / 1000;
  console.log(size, (imgs.length / dt).toFixed(1), "img/s", f.length, f.slice(0, 4), Math.max(...f));
  bb.dispose();
}
