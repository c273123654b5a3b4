/**
 * resnet-blocks' WASM convolution kernel against tfjs-backend-wasm's (XNNPACK) on every
 * distinct convolution of ResNet-50 at 224x224, batch 1, one thread: the same input, weights
 * and bias (folded-batch-norm style), bias and ReLU fused in both. Each row times the two
 * alternately (tfjs, ours, tfjs, ours, ...) so that load from other processes hits both
 * alike, and checks that they agree before timing. Prints a Markdown table of medians.
 *
 * Run: `npm run bench:conv [runs]` (via scripts/with-relaxed-simd.mjs: Node 20 needs
 * --experimental-wasm-relaxed-simd).
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { resnet } from "resnet-blocks";
import { markdownTable } from "resnet-blocks/count";
import { fastConvUnavailableReason } from "../src/infer/fastConv/availability.js";
import { fastConv2d } from "../src/infer/fastConv/convKernel.js";
import { packConvWeights } from "../src/infer/fastConv/packWeights.js";
import { machine, median } from "./lib/measure.js";

const RUNS = Number(process.argv[2] ?? 9);
tf.env().set("IS_TEST", true);
await tf.setBackend("wasm");
const unavailable = fastConvUnavailableReason();
if (unavailable) throw new Error(`resnet-blocks' kernel cannot run: ${unavailable}`);

interface Shape {
  height: number;
  channels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  count: number;
}

/** The distinct convolutions of ResNet-50 (input size as the layer sees it, explicit pads included). */
function resnet50Convolutions(): Map<string, Shape> {
  const model = resnet({ depth: 50, seed: 1 });
  const shapes = new Map<string, Shape>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== "Conv2D") continue;
    const config = layer.getConfig() as { kernelSize: number[]; strides: number[]; filters: number };
    const [, height, , channels] = (layer.input as unknown as { shape: number[] }).shape;
    const [kernel, stride] = [config.kernelSize[0]!, config.strides[0]!];
    const key = `${height}x${height}x${channels}, ${kernel}x${kernel} /${stride} -> ${config.filters}`;
    const shape = shapes.get(key) ?? { height: height!, channels: channels!, outChannels: config.filters, kernel, stride, count: 0 };
    shape.count++;
    shapes.set(key, shape);
  }
  model.dispose();
  return shapes;
}

function timeOnce(fn: () => tf.Tensor): number {
  const start = performance.now();
  const y = fn();
  y.dataSync();
  const ms = performance.now() - start;
  y.dispose();
  return ms;
}

const rows: string[][] = [];
let totalOurs = 0;
let totalTfjs = 0;
for (const [key, s] of resnet50Convolutions()) {
  const x = tf.randomUniform([1, s.height, s.height, s.channels], 0, 1, "float32", 1) as tf.Tensor4D;
  const filter = tf.randomNormal([s.kernel, s.kernel, s.channels, s.outChannels], 0, Math.sqrt(2 / (s.kernel ** 2 * s.channels)), "float32", 2) as tf.Tensor4D;
  const bias = tf.randomNormal([s.outChannels], 0, 0.1, "float32", 3) as tf.Tensor1D;
  const weights = tf.tensor1d(packConvWeights(filter.dataSync() as Float32Array, s.outChannels, bias.dataSync() as Float32Array));
  // "valid" as in the model, whose strided convolutions read explicitly zero-padded inputs.
  const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, s.stride, 1, "valid");
  const geometry = {
    kernelH: s.kernel, kernelW: s.kernel, strideH: s.stride, strideW: s.stride, padTop: 0, padLeft: 0,
    outHeight: info.outHeight, outWidth: info.outWidth, outChannels: s.outChannels, relu: true,
  };
  const theirs = () => tf.fused.conv2d({ x, filter, bias, strides: s.stride, pad: "valid", activation: "relu" });
  const ours = () => fastConv2d(x, weights, geometry, null);
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(theirs(), ours()))).dataSync()[0]! / tf.max(theirs()).dataSync()[0]!);
  if (!(difference < 1e-5)) throw new Error(`${key}: the kernels disagree (relative ${difference})`);
  for (let i = 0; i < 2; i++) timeOnce(theirs), timeOnce(ours);
  const tfjsMs: number[] = [];
  const oursMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    tfjsMs.push(timeOnce(theirs));
    oursMs.push(timeOnce(ours));
  }
  const [t, o] = [median(tfjsMs), median(oursMs)];
  const gflop = (2 * info.outHeight * info.outWidth * s.outChannels * s.kernel ** 2 * s.channels) / 1e9;
  totalTfjs += s.count * t;
  totalOurs += s.count * o;
  rows.push([key, String(s.count), t.toFixed(2), (gflop / (t / 1000)).toFixed(1), o.toFixed(2), (gflop / (o / 1000)).toFixed(1), `${(t / o).toFixed(2)}x`]);
  tf.dispose([x, filter, bias, weights]);
}
rows.push(["all convolutions of ResNet-50 (x count)", "53", totalTfjs.toFixed(0), "", totalOurs.toFixed(0), "", `${(totalTfjs / totalOurs).toFixed(2)}x`]);

console.log(`machine: ${await machine()}; tfjs ${tf.version_core}, wasm backend, one thread, batch 1, medians of ${RUNS} alternating runs\n`);
console.log(
  markdownTable(
    ["convolution (input, kernel /stride -> channels)", "count", "XNNPACK ms", "GFLOP/s", "resnet-blocks ms", "GFLOP/s", "speed-up"],
    rows,
    ["left", "right", "right", "right", "right", "right", "right"],
  ),
);
