/**
 * Core figures: counting all ten nets, building ResNet-152, and the demo's ResNet-50
 * forward pass on WASM against the plain CPU backend (the baseline). Run with `npm run bench:core`.
 */
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { count, DEPTHS, resnet50, resnet152 } from "resnet-blocks";
import { markdownTable } from "resnet-blocks/count";
import { machine, measure, median } from "./lib/measure.js";

tf.env().set("IS_TEST", true); // no tfjs console banner
const rows: { what: string; runs: number; ms: number; baseline?: string }[] = [];

const countAll = () => DEPTHS.forEach((depth) => [true, false].forEach((residual) => count({ depth, residual })));
rows.push({ what: "count() all ten nets (no tfjs)", runs: 20, ms: median(await measure(countAll, { warmup: 3, runs: 20 })) });

await tf.setBackend("wasm");
const build152 = () => resnet152().dispose();
rows.push({ what: "build ResNet-152 (wasm)", runs: 3, ms: median(await measure(build152, { warmup: 1, runs: 3 })) });

async function forward(backend: "wasm" | "cpu", runs: number): Promise<number> {
  await tf.setBackend(backend);
  const model = resnet50({ seed: 1 });
  const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 2);
  const once = async () => {
    const y = model.predict(image) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  const ms = median(await measure(once, { warmup: 1, runs }));
  image.dispose();
  model.dispose();
  return ms;
}
const cpuMs = await forward("cpu", 3);
const wasmMs = await forward("wasm", 10);
rows.push({ what: "ResNet-50 predict, batch 1, 224 (cpu, baseline)", runs: 3, ms: cpuMs, baseline: "1.00x" });
rows.push({ what: "ResNet-50 predict, batch 1, 224 (wasm, demo)", runs: 10, ms: wasmMs, baseline: `${(cpuMs / wasmMs).toFixed(2)}x faster` });

console.log(`machine: ${await machine()}; tfjs ${tf.version_core}\n`);
console.log(
  markdownTable(
    ["what", "runs", "median ms", "vs cpu baseline"],
    rows.map((row) => [row.what, String(row.runs), row.ms.toFixed(row.ms < 10 ? 2 : 0), row.baseline ?? ""]),
    ["left", "right", "right", "right"],
  ),
);
