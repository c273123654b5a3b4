/**
 * The ONNX export of the inference bench (bench/onnx): the protobuf writer against the
 * encodings of the protobuf documentation, the whole file against ONNX's own schema (the
 * protobufjs decoder generated from onnx.proto that onnxruntime-web ships), and the
 * exported graphs run by onnxruntime-node and -web against tfjs's cpu backend.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { exportOnnx, type ExportOnnxOptions } from "../../bench/onnx/exportOnnx.js";
import { ProtoWriter } from "../../bench/onnx/protobuf.js";
import { nhwcToNchw } from "../../bench/lib/peers.js";
import { resnet, type ResNetBuildOptions } from "../../src/models/resnet.js";
import { expectNoLeak, perturbWeights, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

const bytes = (writer: ProtoWriter) => Array.from(writer.finish());

describe("ProtoWriter", () => {
  // Examples of https://protobuf.dev/programming-guides/encoding/.
  it("writes the documentation's varint, string, nested and packed examples", () => {
    expect(bytes(new ProtoWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().string(2, "testing"))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytes(new ProtoWriter().message(3, (w) => w.varint(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().packedVarints(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  });

  it("writes varints beyond 32 bits, floats little-endian, and nothing for empty packed lists", () => {
    // 2^40: five zero groups of 7 bits, then 2^5.
    expect(bytes(new ProtoWriter().varint(1, 2 ** 40))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    // 1.0f is 0x3f800000; wire type 5 on field 1 is tag 0x0d.
    expect(bytes(new ProtoWriter().float(1, 1))).toEqual([0x0d, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoWriter().packedVarints(1, []).packedFloats(2, []))).toEqual([]);
  });

  it("refuses negative or fractional varints and bad field numbers", () => {
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(/non-negative safe integer; got 1.5/);
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(/field number/);
  });
});

// protobufjs's decoder generated from onnx.proto, as onnxruntime-web ships it: a reading of
// ONNX's schema that shares nothing with our writer.
const require = createRequire(import.meta.url);
const ortWebRoot = join(dirname(require.resolve("onnxruntime-web")), "..");
const onnxSchema = require(join(ortWebRoot, "lib/onnxjs/ort-schema/protobuf/onnx.js")).onnx as {
  ModelProto: { decode(bytes: Uint8Array): unknown; toObject(message: unknown, options: object): DecodedModel };
};

interface DecodedModel {
  irVersion: number;
  opsetImport: { domain?: string; version: number }[];
  graph: {
    node: { opType: string; name: string; input: string[]; output: string[]; attribute?: { name: string; ints?: number[]; f?: number; i?: number }[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; int64Data?: number[] }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number; dimParam?: string }[] } } } }[];
    output: { name: string }[];
  };
}

function decode(onnxBytes: Uint8Array): DecodedModel {
  return onnxSchema.ModelProto.toObject(onnxSchema.ModelProto.decode(onnxBytes), { longs: Number, defaults: false, arrays: true });
}

const SMALL: ResNetBuildOptions = { depth: 18, inputShape: [64, 64, 3], seed: 3 };

function smallModel(options: Partial<ResNetBuildOptions> = {}, seed = 7): tfl.LayersModel {
  const model = resnet({ ...SMALL, ...options });
  perturbWeights(model, seed);
  return model;
}

describe("exportOnnx: the file, read with ONNX's schema", () => {
  it("holds one node per layer, OIHW kernels, the ZeroPadding2D pads and an NCHW input", async () => {
    const model = smallModel();
    const decoded = decode((await expectNoLeak(() => exportOnnx(model))).bytes);
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: "", version: 17 }]);

    const layersOf = (className: string, filter: (l: tfl.layers.Layer) => boolean = () => true) =>
      model.layers.filter((l) => l.getClassName() === className && filter(l)).length;
    const nodesOf = (opType: string) => decoded.graph.node.filter((n) => n.opType === opType).length;
    expect(nodesOf("Conv")).toBe(layersOf("Conv2D"));
    expect(nodesOf("BatchNormalization")).toBe(layersOf("BatchNormalization"));
    expect(nodesOf("Relu")).toBe(layersOf("Activation", (l) => l.getConfig().activation === "relu"));
    expect(nodesOf("Add")).toBe(layersOf("Add"));
    expect(nodesOf("MaxPool")).toBe(1);
    // Every ZeroPadding2D went into a Conv's or the max pool's pads.
    expect(nodesOf("Pad")).toBe(0);

    const input = decoded.graph.input[0]!;
    expect(input.type.tensorType.elemType).toBe(1); // FLOAT
    expect(input.type.tensorType.shape.dim).toEqual([{ dimParam: "batch" }, { dimValue: 3 }, { dimValue: 64 }, { dimValue: 64 }]);

    // conv1: the kernel transposed HWIO -> OIHW (by tfjs's transpose here), pads from conv1_pad.
    const kernel = model.getLayer("conv1_conv").getWeights()[0]!;
    const expected = tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]).dataSync());
    const weight = decoded.graph.initializer.find((t) => t.name === "conv1_conv_W")!;
    expect(weight.dims).toEqual([64, 3, 7, 7]);
    expect(weight.dataType).toBe(1);
    const raw = weight.rawData!;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual(Array.from(expected));
    const [[top, bottom], [left, right]] = model.getLayer("conv1_pad").getConfig().padding as [[number, number], [number, number]];
    const conv1 = decoded.graph.node.find((n) => n.name === "conv1_conv")!;
    expect(conv1.attribute!.find((a) => a.name === "pads")!.ints).toEqual([top, left, bottom, right]);
    expect(conv1.attribute!.find((a) => a.name === "strides")!.ints).toEqual([2, 2]);
    model.dispose();
  });

  it("writes option A shortcuts as Slice and Pad, and an NHWC input as a Transpose", async () => {
    const model = smallModel({ shortcut: "A" });
    const decoded = decode((await exportOnnx(model, { inputLayout: "NHWC" })).bytes);
    const shortcuts = model.layers.filter((l) => l.getClassName() === "ZeroPadShortcut").length;
    expect(shortcuts).toBe(3);
    expect(decoded.graph.node.filter((n) => n.opType === "Slice")).toHaveLength(shortcuts);
    expect(decoded.graph.node.filter((n) => n.opType === "Pad")).toHaveLength(shortcuts);
    expect(decoded.graph.node[0]!.opType).toBe("Transpose");
    expect(decoded.graph.input[0]!.type.tensorType.shape.dim.map((d) => d.dimValue ?? d.dimParam)).toEqual(["batch", 64, 64, 3]);
    model.dispose();
  });

  it("names the layer and what it cannot express", async () => {
    const input = tfl.input({ shape: [4] });
    const tanh = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: "tanh", name: "head" }).apply(input) as tfl.SymbolicTensor });
    await expect(exportOnnx(tanh)).rejects.toThrow(/layer head: activation "tanh"/);
    const image = tfl.input({ shape: [8, 8, 3] });
    const flat = tfl.model({ inputs: image, outputs: tfl.layers.flatten({ name: "flat" }).apply(image) as tfl.SymbolicTensor });
    await expect(exportOnnx(flat)).rejects.toThrow(/layer flat: Flatten has no ONNX export/);
    await expect(exportOnnx(flat, { inputLayout: "CHW" as ExportOnnxOptions["inputLayout"] })).rejects.toThrow(RangeError);
    tanh.dispose();
    flat.dispose();
  });
});

/** tfjs cpu: the model's output and, for a softmax top, the logits (pooled features times the dense kernel plus bias). */
async function tfjsOutputs(model: tfl.LayersModel, x: tf.Tensor4D): Promise<{ output: Float32Array; logits?: Float32Array }> {
  const output = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
  const dense = model.getLayer("predictions");
  if (dense.getConfig().activation !== "softmax") return { output };
  const features = tfl.model({ inputs: model.inputs, outputs: model.getLayer("avg_pool").output as tfl.SymbolicTensor });
  const [kernel, bias] = dense.getWeights();
  const logits = tf.tidy(() => tf.add(tf.matMul(features.predict(x) as tf.Tensor2D, kernel as tf.Tensor2D), bias!).dataSync() as Float32Array);
  return { output, logits };
}

function maxAbs(a: Float32Array): number {
  return a.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

// Float32 sums in another order (onnxruntime's MLAS with batch norm folded into the
// convolutions, tfjs cpu unfolded): the logits differ by about 1e-6 of their size; a wrong
// layer moves them by a large fraction of it.
const LOGITS_TOLERANCE = 1e-4;

async function expectSameAsTfjs(
  session: { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> },
  Tensor: new (type: "float32", data: Float32Array, dims: number[]) => unknown,
  exported: Awaited<ReturnType<typeof exportOnnx>>,
  model: tfl.LayersModel,
  batch = 2,
): Promise<void> {
  const [h, w, c] = model.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomUniform([batch, h!, w!, c!], 0, 1, "float32", 5) as tf.Tensor4D;
  const nhwc = x.dataSync() as Float32Array;
  const feed = exported.inputLayout === "NCHW" ? new Tensor("float32", nhwcToNchw(nhwc, batch, h!, w!, c!), [batch, c!, h!, w!]) : new Tensor("float32", nhwc, [batch, h!, w!, c!]);
  const result = await session.run({ [exported.input]: feed });
  const expected = await tfjsOutputs(model, x);
  x.dispose();
  const output = result[exported.output]!.data as Float32Array;
  const logitsRef = expected.logits ?? expected.output;
  const logits = exported.logits ? (result[exported.logits]!.data as Float32Array) : output;
  expect(maxAbs(logitsRef)).toBeGreaterThan(0.5); // logits of a size that makes the comparison mean something
  expect(maxDiff(logits, logitsRef)).toBeLessThanOrEqual(LOGITS_TOLERANCE * Math.max(1, maxAbs(logitsRef)));
  // Outputs (probabilities for a softmax top) agree element-wise too.
  expect(maxDiff(output, expected.output)).toBeLessThanOrEqual(LOGITS_TOLERANCE * Math.max(1, maxAbs(expected.output)));
}

describe("exportOnnx: onnxruntime gives tfjs's logits", () => {
  const cases: Array<[string, Partial<ResNetBuildOptions>, ExportOnnxOptions]> = [
    ["ResNet-18 paper, NCHW", {}, {}],
    ["ResNet-18 torchvision, NHWC", { preset: "torchvision" }, { inputLayout: "NHWC" }],
    ["ResNet-18 paper, shortcut A", { shortcut: "A" }, {}],
    ["ResNet-50 paper (stride on the 1x1), 32x32", { depth: 50, inputShape: [32, 32, 3] }, {}],
    ["ResNet-50 torchvision (stride on the 3x3), 32x32", { depth: 50, preset: "torchvision", inputShape: [32, 32, 3] }, {}],
  ];
  it.each(cases)("onnxruntime-node: %s", async (_, options, exportOptions) => {
    const model = smallModel(options);
    const exported = await exportOnnx(model, exportOptions);
    const session = await ortNode.InferenceSession.create(exported.bytes, { intraOpNumThreads: 1 });
    await expectSameAsTfjs(session, ortNode.Tensor, exported, model);
    await session.release();
    model.dispose();
  });

  it("onnxruntime-node: asymmetric padding, 'same' at stride 2, a max pool over signed values, a 3-way add", async () => {
    // Not a ResNet: the export paths a ResNet does not take. `pad_a` (asymmetric) feeds only a
    // convolution, so it becomes the conv's pads; `pad_b` feeds a max pool whose input can be
    // negative, where zeros do win, so it must stay a Pad node.
    const x = tfl.input({ shape: [8, 8, 3], name: "x" });
    const apply = (layer: tfl.layers.Layer, input: tfl.SymbolicTensor | tfl.SymbolicTensor[]) => layer.apply(input) as tfl.SymbolicTensor;
    const padA = apply(tfl.layers.zeroPadding2d({ padding: [[1, 0], [2, 1]], name: "pad_a" }), x);
    const padB = apply(tfl.layers.zeroPadding2d({ padding: 1, name: "pad_b" }), x);
    const conv = apply(tfl.layers.conv2d({ filters: 3, kernelSize: 3, name: "conv_valid" }), padA);
    const pool = apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool" }), padB);
    const same = apply(tfl.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: "same", name: "conv_same" }), x);
    const pooled = [
      apply(tfl.layers.globalAveragePooling2d({ name: "gap1" }), conv),
      apply(tfl.layers.globalMaxPooling2d({ name: "gmp" }), pool),
      apply(tfl.layers.globalAveragePooling2d({ name: "gap2" }), same),
    ];
    const sum = apply(tfl.layers.add({ name: "sum" }), pooled);
    const model = tfl.model({ inputs: x, outputs: apply(tfl.layers.dense({ units: 5, name: "predictions" }), sum) });
    perturbWeights(model, 9);
    const exported = await exportOnnx(model, { inputLayout: "NHWC" });
    const ops = decode(exported.bytes).graph.node.map((n) => n.opType);
    expect(ops.filter((op) => op === "Pad")).toHaveLength(1);
    expect(ops).toContain("Sum");

    const input = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 4);
    const expected = tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
    const session = await ortNode.InferenceSession.create(exported.bytes);
    const result = await session.run({ [exported.input]: new ortNode.Tensor("float32", input.dataSync() as Float32Array, [2, 8, 8, 3]) });
    expect(maxDiff(result[exported.output]!.data as Float32Array, expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(expected)));
    await session.release();
    input.dispose();
    model.dispose();
  });

  it("onnxruntime-web (wasm, 1 thread, in Node): ResNet-18 keras preset (conv biases)", async () => {
    const ortWeb = await import("onnxruntime-web");
    ortWeb.env.wasm.numThreads = 1;
    const model = smallModel({ preset: "keras" });
    const exported = await exportOnnx(model);
    const session = await ortWeb.InferenceSession.create(exported.bytes, { executionProviders: ["wasm"] });
    await expectSameAsTfjs(session, ortWeb.Tensor, exported, model);
    await session.release();
    model.dispose();
  });
});
