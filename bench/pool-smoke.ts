/**
 * Smoke bench of the worker pool: throughput of ResNet-50 at 224x224, batch 8, on one
 * thread in the main thread (model.predict, and fuse(model).predict which the workers run),
 * and in pools of 1 and 2 workers (one WASM thread each). The target: 2 workers at
 * least 1.8x the throughput of one thread. The setups take turns, one batch each per round,
 * so that a change of load on a shared machine hits them alike. Few rounds, so the figures
 * are rough; the table of record is bench/inference.ts.
 *
 *   npx tsx bench/pool-smoke.ts [--runs 3] [--batch 8] [--workers 2]
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { markdownTable } from "../src/count/format.js";
import { fuse } from "../src/infer/fuse/index.js";
import { createPool, type ResNetPool } from "../src/infer/pool/index.js";
import { resnet } from "../src/models/resnet.js";
import { machine, median } from "./lib/measure.js";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, batch: { type: "string", default: "8" }, workers: { type: "string", default: "2" } },
});
const runs = Number(values.runs);
const batch = Number(values.batch);
const maxWorkers = Number(values.workers);
const MODEL = { depth: 50, seed: 1 } as const;
const SHAPE = [batch, 224, 224, 3] as const;

tf.env().set("IS_TEST", true);
await tf.setBackend("wasm");
const input = new Float32Array(batch * 224 * 224 * 3).map((_, i) => Math.sin(i * 0.37));

interface Setup {
  what: string;
  run(): Promise<unknown>;
  times: number[];
}

const model = resnet(MODEL);
const fused = fuse(model);
const x = tf.tensor4d(input, [...SHAPE]);
const inMain = (predict: (x: tf.Tensor4D) => tf.Tensor) => async () => {
  const y = predict(x);
  await y.data();
  y.dispose();
};
const pools: ResNetPool[] = [];
for (let workers = 1; workers <= maxWorkers; workers++) pools.push(await createPool({ workers, model: MODEL }));

const setups: Setup[] = [
  { what: "main thread, fuse(model).predict (wasm, 1 thread)", run: inMain((t) => fused.predict(t)), times: [] },
  { what: "main thread, model.predict (wasm, 1 thread)", run: inMain((t) => model.predict(t) as tf.Tensor), times: [] },
  ...pools.map((pool) => ({
    what: `createPool, ${pool.workers} worker${pool.workers > 1 ? "s" : ""} x 1 thread`,
    run: () => pool.predict(input, SHAPE),
    times: [],
  })),
];
for (const setup of setups) await setup.run(); // warm-up
for (let round = 0; round < runs; round++) {
  for (const setup of setups) {
    const start = performance.now();
    await setup.run();
    setup.times.push(performance.now() - start);
  }
}
await Promise.all(pools.map((pool) => pool.close()));
x.dispose();
fused.dispose();
model.dispose();

const ms = setups.map((setup) => median(setup.times));
const oneThread = ms[0]!;
const oneWorker = ms[2]!;
console.log(`machine: ${await machine()}; tfjs ${tf.version_core}; ResNet-50, 224x224, batch ${batch}, median of ${runs} rounds\n`);
console.log(
  markdownTable(
    ["what", "median ms per batch", "images/s", "throughput vs fused, 1 thread", "vs 1 worker"],
    setups.map((setup, index) => [
      setup.what,
      ms[index]!.toFixed(0),
      ((batch * 1000) / ms[index]!).toFixed(2),
      `${(oneThread / ms[index]!).toFixed(2)}x`,
      index < 2 ? "" : `${(oneWorker / ms[index]!).toFixed(2)}x`,
    ]),
    ["left", "right", "right", "right", "right"],
  ),
);
