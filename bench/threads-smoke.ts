/**
 * Smoke bench of the WASM backend's own threads in Node (startWasmWithThreads): one 3x3
 * convolution (56x56x64 -> 64, batch 1) in GFLOP/s, and plain tfjs-layers ResNet-50
 * predict at 224x224, batch 1, in ms; on tfjs's default WASM backend (single-threaded SIMD
 * binary) and on the threaded SIMD binary with 1 and 2 threads. Medians of few runs, so the
 * figures are rough; the table of record is bench/inference.ts.
 *
 *   npx tsx bench/threads-smoke.ts [--runs 5] [--threads 2]
 */
import "@tensorflow/tfjs-backend-wasm";
import { getThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { markdownTable } from "../src/count/format.js";
import { startWasmWithThreads } from "../src/backend/nodeThreads/index.js";
import { resnet } from "../src/models/resnet.js";
import { machine, measure, median } from "./lib/measure.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, threads: { type: "string", default: "2" } } });
const runs = Number(values.runs);
const maxThreads = Number(values.threads);
const CONV_FLOP = 2 * 56 * 56 * 64 * 64 * 3 * 3; // multiply-adds x 2

tf.env().set("IS_TEST", true);

interface Row {
  what: string;
  threads: number;
  gflops: number;
  resnetMs: number;
}

/** Measures the convolution and ResNet-50 on the active backend. */
async function measureActive(what: string): Promise<Row> {
  const x = tf.randomNormal([1, 56, 56, 64], 0, 1, "float32", 1) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, 64, 64], 0, 0.1, "float32", 2) as tf.Tensor4D;
  const conv = async () => {
    const y = tf.conv2d(x, w, 1, "same");
    await y.data();
    y.dispose();
  };
  const convMs = median(await measure(conv, { warmup: 3, runs: 4 * runs }));
  tf.dispose([x, w]);

  const model = resnet({ depth: 50, seed: 1 });
  const image = tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 3);
  const predict = async () => {
    const y = model.predict(image) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  const resnetMs = median(await measure(predict, { warmup: 1, runs }));
  image.dispose();
  model.dispose();
  return { what, threads: getThreadsCount(), gflops: CONV_FLOP / convMs / 1e6, resnetMs };
}

const rows: Row[] = [];
await tf.setBackend("wasm");
rows.push(await measureActive("wasm, tfjs default (SIMD)"));
for (let threads = 1; threads <= maxThreads; threads++) {
  const wasm = await startWasmWithThreads({ threads });
  try {
    rows.push(await measureActive("wasm, threaded SIMD (startWasmWithThreads)"));
  } finally {
    await wasm.dispose();
  }
}

const base = rows[0]!;
console.log(`machine: ${await machine()}; tfjs ${tf.version_core}; medians of ${4 * runs} convolutions, ${runs} predictions\n`);
console.log(
  markdownTable(
    ["backend", "threads", "3x3 conv 56x56x64->64 GFLOP/s", "vs default", "ResNet-50 b1 224 ms", "vs default"],
    rows.map((row) => [
      row.what,
      String(row.threads),
      row.gflops.toFixed(1),
      `${(row.gflops / base.gflops).toFixed(2)}x`,
      row.resnetMs.toFixed(0),
      `${(base.resnetMs / row.resnetMs).toFixed(2)}x`,
    ]),
    ["left", "right", "right", "right", "right", "right"],
  ),
);
