/**
 * toOnnx round trip: for every kind of net the library builds, the exported file run by
 * onnxruntime-node (all four variants) and onnxruntime-web (wasm, in Node; NCHW with batch
 * norm kept, NHWC folded) gives tfjs's logits (tfjs wasm backend, unfolded batch norm), at
 * batch 1 and 3, input NCHW and NHWC, batch norm kept and folded; each file also passes the structural check of graphCheck.ts, whose inferred
 * output shapes equal the ones onnxruntime returns.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import * as ortNode from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nhwcToNchw } from "../../bench/lib/peers.js";
import { basicBlock, bottleneckBlock, plainBlock } from "../../src/blocks/blocks.js";
import { resnet, type ResNetBuildOptions } from "../../src/models/resnet.js";
import { exportOnnx, type OnnxExport, type ToOnnxOptions } from "../../src/onnx/index.js";
import { cifarResnet } from "../../src/train/cifar/cifarResnet.js";
import { expectNoLeak, perturbWeights, useTestBackend } from "../helpers/tf.js";
import { checkGraph, decodeOnnx } from "./graphCheck.js";

type OrtModule = typeof ortNode;
let ortWeb: OrtModule;

beforeAll(async () => {
  await useTestBackend("wasm");
  ortWeb = (await import("onnxruntime-web")) as unknown as OrtModule;
  ortWeb.env.wasm.numThreads = 1;
});

// Float32 sums in another order (onnxruntime's MLAS or its WASM kernels, batch norm folded
// by onnxruntime or by us, against tfjs's unfolded batch norm): the logits differ by about
// 1e-6 of their size; a wrong layer, pad or layout moves them by a large fraction of it.
const TOLERANCE = 1e-4;
const BATCHES = [1, 3] as const;

/** tfjs's output and, for a softmax top, its logits (the dense layer's input times its kernel plus bias). */
function tfjsReference(model: tfl.LayersModel, x: tf.Tensor4D): { output: Float32Array; logits?: Float32Array } {
  return tf.tidy(() => {
    const output = (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
    const top = model.outputLayers[0]!;
    if (top.getClassName() !== "Dense" || top.getConfig().activation !== "softmax") return { output };
    const features = tfl.model({ inputs: model.inputs, outputs: top.inboundNodes[0]!.inboundLayers[0]!.output as tfl.SymbolicTensor });
    const [kernel, bias] = top.getWeights();
    const logits = tf.add(tf.matMul(features.predict(x) as tf.Tensor2D, kernel as tf.Tensor2D), bias!).dataSync() as Float32Array;
    return { output, logits };
  });
}

function maxAbs(a: Float32Array): number {
  return a.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

interface Case {
  images: Map<number, { nhwc: Float32Array; nchw: Float32Array; output: Float32Array; logits?: Float32Array }>;
  shape: [h: number, w: number, c: number];
  outputRank: number;
}

/** tfjs's outputs at batch 1 and 3 on random images, computed once per net. */
function references(model: tfl.LayersModel): Case {
  const [h, w, c] = model.inputs[0]!.shape.slice(1) as [number, number, number];
  const images: Case["images"] = new Map();
  for (const batch of BATCHES) {
    const x = tf.randomUniform([batch, h, w, c], 0, 1, "float32", 10 + batch) as tf.Tensor4D;
    const nhwc = x.dataSync() as Float32Array;
    images.set(batch, { nhwc, nchw: nhwcToNchw(nhwc, batch, h, w, c), ...tfjsReference(model, x) });
    x.dispose();
  }
  return { images, shape: [h, w, c], outputRank: model.outputs[0]!.shape.length };
}

/** tfjs's NHWC output in the layout of the exported graph's output. */
function inLayout(output: Float32Array, exported: OnnxExport, batch: number): Float32Array {
  if (exported.inputLayout === "NHWC" || exported.outputShape.length !== 4) return output;
  const [, c, h, w] = exported.outputShape as number[];
  return nhwcToNchw(output, batch, h!, w!, c!);
}

/** Runs `exported` in one runtime at every batch and compares with tfjs. */
async function expectSameAsTfjs(ort: OrtModule, runtime: string, exported: OnnxExport, ref: Case, label: string): Promise<void> {
  const session = await ort.InferenceSession.create(exported.bytes, runtime === "web" ? { executionProviders: ["wasm"] } : { intraOpNumThreads: 1 });
  try {
    const report = checkGraph(decodeOnnx(exported.bytes));
    const [h, w, c] = ref.shape;
    for (const batch of BATCHES) {
      const at = `${label}, onnxruntime-${runtime}, batch ${batch}`;
      const images = ref.images.get(batch)!;
      const dims = exported.inputLayout === "NCHW" ? [batch, c, h, w] : [batch, h, w, c];
      const feed = new ort.Tensor("float32", exported.inputLayout === "NCHW" ? images.nchw : images.nhwc, dims);
      const result = await session.run({ [exported.input]: feed });
      const output = result[exported.output]!;
      // The structural check's inferred shape is what onnxruntime returns, batch put in.
      expect(output.dims, at).toEqual(report.outputShapes[0]!.map((d) => (d === "batch" ? batch : d)));
      const expectedOutput = inLayout(images.output, exported, batch);
      const reference = images.logits ?? expectedOutput;
      const logits = exported.logits ? (result[exported.logits]!.data as Float32Array) : (output.data as Float32Array);
      // A reference 500x the smallest tolerance at least, so that the comparison means something.
      expect(maxAbs(reference), `${at}: size of the reference`).toBeGreaterThan(0.05);
      expect(maxDiff(logits, reference), `${at}: logits`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, maxAbs(reference)));
      expect(maxDiff(output.data as Float32Array, expectedOutput), `${at}: output`).toBeLessThanOrEqual(TOLERANCE * Math.max(1, maxAbs(expectedOutput)));
    }
  } finally {
    await session.release();
  }
}

/** A net made of the blocks: a stem, a basic block, a bottleneck with a projection, a plain block, a linear top. */
function blocksModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [32, 32, 3], name: "image" });
  let y = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: "same", useBias: false, name: "stem" }).apply(x) as tfl.SymbolicTensor;
  y = basicBlock(y, { filters: 16, name: "b1", seed: 1 });
  y = bottleneckBlock(y, { filters: 8, stride: 2, preset: "torchvision", name: "b2", seed: 2 });
  y = plainBlock(y, { filters: 16, stride: 2, name: "b3", seed: 3 });
  y = tfl.layers.globalAveragePooling2d({ name: "gap" }).apply(y) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 7, name: "head" }).apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: out, name: "blocks_net" });
}

const small = (options: Partial<ResNetBuildOptions>): (() => tfl.LayersModel) => () => resnet({ depth: 18, inputShape: [32, 32, 3], seed: 3, ...options } as ResNetBuildOptions);

const NETS: Array<[string, () => tfl.LayersModel]> = [
  ["ResNet-18 paper", small({})],
  ["ResNet-18 keras (conv biases)", small({ preset: "keras" })],
  ["ResNet-50 torchvision (stride on the 3x3)", small({ depth: 50, preset: "torchvision" })],
  ["ResNet-50 paper (stride on the 1x1), 64x64", small({ depth: 50, inputShape: [64, 64, 3] })],
  ["ResNet-18 shortcut A", small({ shortcut: "A" })],
  ["ResNet-18 shortcut C", small({ shortcut: "C" })],
  ["plain-18, 64x64", small({ residual: false, inputShape: [64, 64, 3] })],
  ["ResNet-18 without the top, max pooling", small({ includeTop: false, pooling: "max" })],
  ["ResNet-18 without the top or pooling (4-D output)", small({ includeTop: false, pooling: null })],
  ["CIFAR ResNet-20 (shortcut A)", () => cifarResnet({ depth: 20, seed: 4 })],
  ["CIFAR plain-8, shortcut B", () => cifarResnet({ depth: 8, residual: false, shortcut: "B", seed: 5 })],
  ["a model of the blocks", blocksModel],
  ["ResNet-50 V2 (Keras, pre-activation)", small({ depth: 50, preset: "keras", preactivation: true })],
  ["ResNeXt-50 32x4d (grouped 3x3s, Conv group 32)", small({ depth: 50, preset: "torchvision", groups: 32, widthPerGroup: 4 })],
];

const VARIANTS: ToOnnxOptions[] = [
  { inputLayout: "NCHW", foldBatchNorm: false },
  { inputLayout: "NCHW", foldBatchNorm: true },
  { inputLayout: "NHWC", foldBatchNorm: false },
  { inputLayout: "NHWC", foldBatchNorm: true },
];

describe("toOnnx: onnxruntime-node and -web give tfjs's logits", () => {
  const models: tfl.LayersModel[] = [];
  afterAll(() => models.forEach((m) => m.dispose()));

  it.each(NETS)("%s: batch 1 and 3, NCHW and NHWC, batch norm kept and folded", async (label, build) => {
    const model = build();
    models.push(model);
    perturbWeights(model, 17);
    const ref = references(model);
    for (const variant of VARIANTS) {
      const exported = await expectNoLeak(() => exportOnnx(model, variant));
      const at = `${label}, ${variant.inputLayout}, batch norm ${variant.foldBatchNorm ? "folded" : "kept"}`;
      const ops = decodeOnnx(exported.bytes).graph.node.map((n) => n.opType);
      const batchNorms = model.layers.filter((l) => l.getClassName() === "BatchNormalization");
      // A batch norm folds into the convolution it reads (all of them but ResNetV2's pre-activations and post_bn).
      const afterConv = batchNorms.filter((bn) => ["Conv2D", "GroupedConv2D"].includes(bn.inboundNodes[0]!.inboundLayers[0]!.getClassName()));
      expect(ops.filter((op) => op === "BatchNormalization").length, at).toBe(variant.foldBatchNorm ? batchNorms.length - afterConv.length : batchNorms.length);
      await expectSameAsTfjs(ortNode, "node", exported, ref, at);
      // onnxruntime-web (slower: one WASM thread) runs two of the four: NCHW kept and NHWC folded.
      if (variant.inputLayout === "NCHW" ? !variant.foldBatchNorm : variant.foldBatchNorm) await expectSameAsTfjs(ortWeb, "web", exported, ref, at);
    }
  });

  it("ResNet-18 torchvision at 224x224, batch norm folded, NCHW: both runtimes, batch 1 and 3", async () => {
    const model = resnet({ depth: 18, preset: "torchvision", seed: 8 });
    models.push(model);
    perturbWeights(model, 19);
    const ref = references(model);
    const exported = await exportOnnx(model, { foldBatchNorm: true });
    expect(exported.inputShape).toEqual(["batch", 3, 224, 224]);
    await expectSameAsTfjs(ortNode, "node", exported, ref, "ResNet-18 at 224");
    await expectSameAsTfjs(ortWeb, "web", exported, ref, "ResNet-18 at 224");
  }, 120_000);
});
