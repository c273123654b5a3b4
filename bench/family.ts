/**
 * The family beyond Table 1 on WASM, one thread, 224x224, batch 1: `model.predict` against
 * `fuse(model)` on tfjs's kernels and on resnet-blocks' kernel, for ResNet-50 and its
 * pre-activation, wide and ResNeXt variants. Calls are interleaved (predict, fused, fused, ...)
 * so that load from other processes hits all alike; medians of wall and of this process's CPU
 * time after one warm-up call each, and each row's ratio to its net's `model.predict`.
 *
 * Run: `node scripts/with-relaxed-simd.mjs bench/family.ts [runs]` (default 5).
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { fuse, resnet50, resnet50v2, resnext50_32x4d, wideResnet50_2 } from "resnet-blocks";
import { markdownTable } from "resnet-blocks/count";
import { machine, median } from "./lib/measure.js";

tf.env().set("IS_TEST", true); // no tfjs console banner
const runs = Number(process.argv[2] ?? 5);
await tf.setBackend("wasm");

/** Wall and CPU milliseconds of one prediction, read back and disposed. */
async function timed(predict: () => tf.Tensor): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const y = predict();
  await y.data();
  y.dispose();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
}

const NETS: [string, () => tfl.LayersModel][] = [
  ["ResNet-50 (torchvision)", () => resnet50({ preset: "torchvision", seed: 1 })],
  ["ResNet-50 V2 (Keras)", () => resnet50v2({ seed: 1 })],
  ["wide ResNet-50-2", () => wideResnet50_2({ seed: 1 })],
  ["ResNeXt-50 32x4d", () => resnext50_32x4d({ seed: 1 })],
];
const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 2) as tf.Tensor4D;
const rows: string[][] = [];
for (const [label, build] of NETS) {
  const model = build();
  const tfjs = fuse(model, { kernels: "tfjs" });
  const own = fuse(model);
  const variants: [string, () => tf.Tensor][] = [
    ["model.predict", () => model.predict(image) as tf.Tensor],
    ["fuse, tfjs kernels", () => tfjs.predict(image)],
    ...(own.kernels === "resnet-blocks" ? [["fuse, resnet-blocks kernel", () => own.predict(image)] as [string, () => tf.Tensor]] : []),
  ];
  for (const [, predict] of variants) await timed(predict); // warm-up: packs XNNPACK's weights
  const times = variants.map(() => [] as { wall: number; cpu: number }[]);
  for (let run = 0; run < runs; run++) {
    for (let v = 0; v < variants.length; v++) times[v]!.push(await timed(variants[v]![1]));
  }
  const base = median(times[0]!.map((t) => t.cpu));
  variants.forEach(([what], v) => {
    const wall = median(times[v]!.map((t) => t.wall));
    const cpu = median(times[v]!.map((t) => t.cpu));
    rows.push([label, what, wall.toFixed(0), cpu.toFixed(0), `${(base / cpu).toFixed(2)}x`]);
  });
  tfjs.dispose();
  own.dispose();
  model.dispose();
}
image.dispose();
console.log(`${await machine()}; ${runs} interleaved runs per row, medians`);
console.log(markdownTable(["net", "run", "wall ms", "CPU ms", "speed vs predict (CPU)"], rows, ["left", "left", "right", "right", "right"]));
