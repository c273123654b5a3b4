/**
 * Smoke benchmark of `fuse(model)`: ResNet-50 (or another depth), 224x224, batch 1, WASM, one
 * thread (tfjs runs the WASM backend on one thread in Node): plain `model.predict` against
 * `fuse(model).predict`. Warm runs are interleaved (plain, fused, plain, fused, ...) so that load
 * from other processes hits both alike; medians after warm-up. Besides wall time it reports
 * the process's CPU time per call: with one thread that is the time spent computing, which
 * other processes on a shared machine disturb far less than wall time. The first call of
 * each is reported apart: on WASM it packs every convolution's weights for XNNPACK.
 * The figures of record come from bench/inference.ts.
 *
 * Run: `npm run bench:fuse -- [runs] [depth]` (default 10 runs, ResNet-50; with relaxed SIMD on,
 * so that the row of resnet-blocks' kernel is measured).
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { resnet, type ResNetBuildOptions } from "resnet-blocks";
import { markdownTable } from "resnet-blocks/count";
import { fuse } from "../src/infer/fuse/index.js";
import { machine, median } from "./lib/measure.js";

tf.env().set("IS_TEST", true); // no tfjs console banner
const runs = Number(process.argv[2] ?? 10);
const depth = Number(process.argv[3] ?? 50) as ResNetBuildOptions["depth"];
await tf.setBackend("wasm");

/** Wall and CPU milliseconds of `fn`. */
async function timed(fn: () => unknown): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await fn();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

/** One prediction, read back and disposed. */
async function once(predict: () => tf.Tensor): Promise<void> {
  const y = predict();
  await y.data();
  y.dispose();
}

const model = resnet({ depth, seed: 1 });
const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 2) as tf.Tensor4D;
const plainFirst = await timed(() => once(() => model.predict(image) as tf.Tensor));
let fused = fuse(model, { kernels: "tfjs" });
const fuseTime = await timed(() => {
  fused.dispose();
  fused = fuse(model, { kernels: "tfjs" });
});
const fusedFirst = await timed(() => once(() => fused.predict(image)));
const own = fuse(model); // resnet-blocks' kernel where the runtime has relaxed SIMD
const ownFirst = await timed(() => once(() => own.predict(image)));

const variants: { what: string; first: { wall: number; cpu: number }; predict: () => tf.Tensor }[] = [
  { what: `ResNet-${depth} model.predict (plain tfjs-layers)`, first: plainFirst, predict: () => model.predict(image) as tf.Tensor },
  { what: "fuse(model, { kernels: 'tfjs' }).predict", first: fusedFirst, predict: () => fused.predict(image) },
  ...(own.kernels === "resnet-blocks" ? [{ what: "fuse(model).predict (resnet-blocks kernel)", first: ownFirst, predict: () => own.predict(image) }] : []),
];
for (const variant of variants) await once(variant.predict); // one more warm-up each
const wall = variants.map(() => [] as number[]);
const cpu = variants.map(() => [] as number[]);
for (let run = 0; run < runs; run++) {
  for (const [index, variant] of variants.entries()) {
    const time = await timed(() => once(variant.predict));
    wall[index]!.push(time.wall);
    cpu[index]!.push(time.cpu);
  }
}

const plainWall = median(wall[0]!);
const plainCpu = median(cpu[0]!);
console.log(
  `machine: ${await machine()}, load average ${(await import("node:os")).loadavg()[0]!.toFixed(1)}; ` +
    `tfjs ${tf.version_core}, backend ${tf.getBackend()}, batch 1, 224x224, ${runs} warm runs each (interleaved)\n`,
);
console.log(
  markdownTable(
    ["what", "first call CPU ms", "median wall ms", "min wall ms", "median CPU ms", "speed-up (wall)", "speed-up (CPU)"],
    variants.map((variant, index) => {
      const wallMs = median(wall[index]!);
      const cpuMs = median(cpu[index]!);
      return [
        variant.what,
        variant.first.cpu.toFixed(0),
        wallMs.toFixed(0),
        Math.min(...wall[index]!).toFixed(0),
        cpuMs.toFixed(0),
        `${(plainWall / wallMs).toFixed(2)}x`,
        `${(plainCpu / cpuMs).toFixed(2)}x`,
      ];
    }),
    ["left", "right", "right", "right", "right", "right", "right"],
  ),
);
console.log(`\nfuse(model) itself: ${fuseTime.cpu.toFixed(0)} ms CPU (reads and folds every weight in double precision)`);

if (own.kernels !== "resnet-blocks") console.log("resnet-blocks' kernel not measured: this runtime lacks relaxed SIMD (run node with --experimental-wasm-relaxed-simd)");
fused.dispose();
own.dispose();
image.dispose();
model.dispose();
