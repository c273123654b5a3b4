/**
 * toOnnx's file read back with ONNX's schema (protobufjs's decoder of onnx.proto, as
 * onnxruntime-web ships it): nodes, OIHW kernels, pads, the dynamic batch, metadata and
 * opsets; the structural check catching broken graphs; the errors for what cannot be
 * exported and for bad options, made before anything is read; the export paths a ResNet
 * does not take.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import * as ortNode from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet, type ResNetBuildOptions } from "../../src/models/resnet.js";
import { exportOnnx, OnnxExportError, toOnnx, type ToOnnxOptions } from "../../src/onnx/index.js";
import { expectNoLeak, perturbWeights, useTestBackend } from "../helpers/tf.js";
import { checkGraph, decodeOnnx, declaredShape, type DecodedModel } from "./graphCheck.js";

/** ResNet-18 at 32x32 with perturbed weights, built once (a build takes seconds on the cpu backend). */
let r18: tfl.LayersModel;
beforeAll(async () => {
  await useTestBackend("cpu");
  r18 = smallModel();
});
afterAll(() => r18.dispose());

const SMALL: ResNetBuildOptions = { depth: 18, inputShape: [32, 32, 3], seed: 3 };

function smallModel(options: Partial<ResNetBuildOptions> = {}, seed = 7): tfl.LayersModel {
  const model = resnet({ ...SMALL, ...options });
  perturbWeights(model, seed);
  return model;
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

describe("toOnnx: the file, read with ONNX's schema", () => {
  it("holds one node per layer, OIHW kernels, the ZeroPadding2D pads, a dynamic batch and fixed names", async () => {
    const model = r18;
    const bytes = await expectNoLeak(() => toOnnx(model));
    expect(bytes).toBeInstanceOf(Uint8Array);
    const decoded = decodeOnnx(bytes);
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: "", version: 17 }]);
    expect(decoded.producerName).toBe("resnet-blocks");

    const layersOf = (className: string, filter: (l: tfl.layers.Layer) => boolean = () => true) =>
      model.layers.filter((l) => l.getClassName() === className && filter(l)).length;
    const nodesOf = (opType: string) => decoded.graph.node.filter((n) => n.opType === opType).length;
    expect(nodesOf("Conv")).toBe(layersOf("Conv2D"));
    expect(nodesOf("BatchNormalization")).toBe(layersOf("BatchNormalization"));
    expect(nodesOf("Relu")).toBe(layersOf("Activation", (l) => l.getConfig().activation === "relu"));
    expect(nodesOf("Add")).toBe(layersOf("Add"));
    expect(nodesOf("MaxPool")).toBe(1);
    expect(nodesOf("Pad")).toBe(0); // every ZeroPadding2D went into a Conv's or the max pool's pads

    expect(decoded.graph.input.map((i) => [i.name, declaredShape(i)])).toEqual([["input", ["batch", 3, 32, 32]]]);
    expect(decoded.graph.input[0]!.type.tensorType.elemType).toBe(1); // FLOAT
    expect(decoded.graph.output.map((o) => [o.name, declaredShape(o)])).toEqual([
      ["output", ["batch", 1000]],
      ["logits", ["batch", 1000]],
    ]);

    const kernel = model.getLayer("conv1_conv").getWeights()[0]!;
    const expected = tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]).dataSync());
    const weight = decoded.graph.initializer.find((t) => t.name === "conv1_conv_W")!;
    expect(weight.dims).toEqual([64, 3, 7, 7]);
    const raw = weight.rawData!;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual(Array.from(expected));
    const [[top, bottom], [left, right]] = model.getLayer("conv1_pad").getConfig().padding as [[number, number], [number, number]];
    const conv1 = decoded.graph.node.find((n) => n.name === "conv1_conv")!;
    expect(conv1.attribute!.find((a) => a.name === "pads")!.ints).toEqual([top, left, bottom, right]);
    expect(conv1.attribute!.find((a) => a.name === "strides")!.ints).toEqual([2, 2]);
  });

  it("folds batch norm into the convolutions: no BatchNormalization node, a bias on every Conv", async () => {
    const model = r18;
    const decoded = decodeOnnx(await expectNoLeak(() => toOnnx(model, { foldBatchNorm: true })));
    const convs = decoded.graph.node.filter((n) => n.opType === "Conv");
    expect(convs).toHaveLength(model.layers.filter((l) => l.getClassName() === "Conv2D").length);
    expect(decoded.graph.node.filter((n) => n.opType === "BatchNormalization")).toEqual([]);
    expect(convs.every((n) => n.input.length === 3)).toBe(true);
    checkGraph(decoded);
  });

  it("writes option A shortcuts as Slice and Pad, and an NHWC input as a Transpose", async () => {
    const model = smallModel({ shortcut: "A" });
    const decoded = decodeOnnx(await toOnnx(model, { inputLayout: "NHWC" }));
    const shortcuts = model.layers.filter((l) => l.getClassName() === "ZeroPadShortcut").length;
    expect(shortcuts).toBe(3);
    expect(decoded.graph.node.filter((n) => n.opType === "Slice")).toHaveLength(shortcuts);
    expect(decoded.graph.node.filter((n) => n.opType === "Pad")).toHaveLength(shortcuts);
    expect(decoded.graph.node[0]!.opType).toBe("Transpose");
    expect(declaredShape(decoded.graph.input[0]!)).toEqual(["batch", 32, 32, 3]);
    model.dispose();
  });

  it("puts the name, preset, weights' origin, layout and batch norm in metadata_props", async () => {
    const model = smallModel({ preset: "torchvision" });
    const options: ToOnnxOptions = { name: "resnet18-tv", preset: "torchvision", weights: "timm/resnet18.tv_in1k", metadata: { license: "BSD-3-Clause" }, foldBatchNorm: true };
    const exported = await exportOnnx(model, options);
    const decoded = decodeOnnx(exported.bytes);
    const entries = [
      ["name", "resnet18-tv"],
      ["preset", "torchvision"],
      ["weights", "timm/resnet18.tv_in1k"],
      ["input_layout", "NCHW"],
      ["batch_norm", "folded"],
      ["license", "BSD-3-Clause"],
    ];
    expect(decoded.metadataProps!.map((p) => [p.key, p.value])).toEqual(entries);
    expect(exported.metadata).toEqual(entries);
    expect(decoded.graph.name).toBe("resnet18-tv");
    const defaults = decodeOnnx(await toOnnx(model));
    expect(defaults.metadataProps!.map((p) => [p.key, p.value])).toEqual([["name", model.name], ["input_layout", "NCHW"], ["batch_norm", "kept"]]);
    // onnxruntime loads the file with the metadata and sees the fixed interface names.
    const session = await ortNode.InferenceSession.create(exported.bytes);
    expect(session.inputNames).toEqual(["input"]);
    expect(session.outputNames).toEqual(["output"]); // the torchvision preset's top is linear: its output is the logits
    await session.release();
    model.dispose();
  });

  it.each([13, 21])("opset %i: the IR version that goes with it, and onnxruntime loads and runs it", async (opset) => {
    const model = r18;
    const decoded = decodeOnnx(await toOnnx(model, { opset }));
    expect(decoded.opsetImport).toEqual([{ domain: "", version: opset }]);
    expect(decoded.irVersion).toBe(opset === 13 ? 7 : 10);
    const session = await ortNode.InferenceSession.create(await toOnnx(model, { opset }));
    const result = await session.run({ input: new ortNode.Tensor("float32", new Float32Array(2 * 3 * 32 * 32).fill(0.5), [2, 3, 32, 32]) });
    expect(result.output!.dims).toEqual([2, 1000]);
    await session.release();
  });
});

describe("the structural check catches broken graphs", () => {
  let good: DecodedModel;
  beforeAll(async () => {
    const model = smallModel({ shortcut: "A" });
    good = decodeOnnx(await toOnnx(model));
    model.dispose();
  });
  const copy = (): DecodedModel => structuredClone(good);

  it("passes the exported graph and infers its output shapes", () => {
    expect(checkGraph(copy()).outputShapes).toEqual([
      ["batch", 1000],
      ["batch", 1000],
    ]);
  });

  it("an unused initializer, an undefined input, a node out of order, a wrong kernel shape", () => {
    const unused = copy();
    unused.graph.initializer.push({ name: "stray", dims: [1], dataType: 1, rawData: new Uint8Array(4) });
    expect(() => checkGraph(unused)).toThrow(/initializers no node reads: stray/);
    const undefinedInput = copy();
    undefinedInput.graph.node[3]!.input[0] = "nowhere";
    expect(() => checkGraph(undefinedInput)).toThrow(/reads nowhere, which is not defined before it/);
    const reordered = copy();
    reordered.graph.node.reverse();
    expect(() => checkGraph(reordered)).toThrow(/not defined before it/);
    const wrongKernel = copy();
    const w = wrongKernel.graph.initializer.find((t) => t.name === "conv2_block1_1_conv_W")!;
    w.dims = [w.dims[0]!, w.dims[1]! + 1, w.dims[2]!, w.dims[3]!];
    expect(() => checkGraph(wrongKernel)).toThrow(/weight takes 65 channels, input has 64/);
    const wrongOutput = copy();
    wrongOutput.graph.output[0]!.type.tensorType.shape.dim[1] = { dimValue: 10 };
    expect(() => checkGraph(wrongOutput)).toThrow(/inferred \["batch",1000\], declared \["batch",10\]/);
  });
});

describe("toOnnx: errors, before anything is read", () => {
  it("names the layer and its class for an unsupported layer type, even after its weights are gone", async () => {
    const input = tfl.input({ shape: [8, 8, 3], name: "image" });
    const conv = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: "conv" }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten({ name: "flat" }).apply(conv) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, name: "head" }).apply(flat) as tfl.SymbolicTensor });
    model.dispose(); // any weight read would fail: the check comes first
    const error = await toOnnx(model).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OnnxExportError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as OnnxExportError).message).toBe(
      'cannot export layer "flat" (Flatten) to ONNX: the class has no ONNX export here; exportable: InputLayer, ZeroPadding2D, Conv2D, ' +
        "GroupedConv2D, BatchNormalization, Activation, MaxPooling2D, Add, ZeroPadShortcut, GlobalAveragePooling2D, GlobalMaxPooling2D, Dense",
    );
    expect([(error as OnnxExportError).layerName, (error as OnnxExportError).className]).toEqual(["flat", "Flatten"]);
  });

  it("names the layer for a setting it cannot express: an activation, a data format, a non-image input", async () => {
    const pixels = tfl.input({ shape: [4, 4, 3] });
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(pixels) as tfl.SymbolicTensor;
    const tanh = tfl.model({ inputs: pixels, outputs: tfl.layers.dense({ units: 2, activation: "tanh", name: "head" }).apply(pooled) as tfl.SymbolicTensor });
    await expect(toOnnx(tanh)).rejects.toThrow(/cannot export layer "head" \(Dense\) to ONNX: activation "tanh" has no ONNX export here; supported: relu, softmax, linear/);
    tanh.dispose();
    const image = tfl.input({ shape: [8, 8, 3] });
    const first = tfl.model({ inputs: image, outputs: tfl.layers.globalAveragePooling2d({ dataFormat: "channelsFirst", name: "gap" }).apply(image) as tfl.SymbolicTensor });
    await expect(toOnnx(first)).rejects.toThrow(/layer "gap" \(GlobalAveragePooling2D\).*dataFormat "channelsFirst"; only channelsLast/);
    first.dispose();
    const convRelu = tfl.model({ inputs: image, outputs: tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: "relu", name: "c" }).apply(image) as tfl.SymbolicTensor });
    await expect(toOnnx(convRelu)).rejects.toThrow(/layer "c" \(Conv2D\).*activation "relu" inside a convolution/);
    convRelu.dispose();
    const vector = tfl.input({ shape: [4], name: "features" });
    const dense = tfl.model({ inputs: vector, outputs: tfl.layers.dense({ units: 2 }).apply(vector) as tfl.SymbolicTensor });
    await expect(toOnnx(dense)).rejects.toThrow(/layer "features" \(InputLayer\).*input shape \[null,4\]; a \[batch, height, width, channels\] image/);
    dense.dispose();
  });

  it("refuses bad options, naming the option, the value and what is accepted", async () => {
    const model = r18;
    await expect(toOnnx(model, { inputLayout: "CHW" as "NCHW" })).rejects.toThrow('options.inputLayout must be one of "NCHW", "NHWC"; got "CHW"');
    await expect(toOnnx(model, { opset: 12 })).rejects.toThrow("options.opset must be an integer from 13 to 21; got 12");
    await expect(toOnnx(model, { foldBatchNorm: "yes" as unknown as boolean })).rejects.toThrow("options.foldBatchNorm must be true or false; got \"yes\"");
    await expect(toOnnx(model, { preset: 3 as unknown as string })).rejects.toThrow("options.preset must be a string; got 3");
    await expect(toOnnx(model, { layout: "NCHW" } as ToOnnxOptions)).rejects.toThrow(/options.layout is not an option of toOnnx; accepted: inputLayout, opset/);
    await expect(toOnnx(model, { metadata: { a: 1 } as unknown as Record<string, string> })).rejects.toThrow("options.metadata.a must be a string; got 1");
    await expect(toOnnx({} as tfl.LayersModel)).rejects.toThrow(/model must be a tfjs-layers LayersModel/);
  });
});

describe("toOnnx: paths a ResNet does not take", () => {
  it("asymmetric padding, 'same' at stride 2, a max pool over signed values, a 3-way add (onnxruntime-node, NHWC)", async () => {
    // `pad_a` (asymmetric) feeds only a convolution, so it becomes the conv's pads; `pad_b`
    // feeds a max pool whose input can be negative, where zeros do win: it becomes the pool's
    // pads and a Max with a border map, not a Pad node, because onnxruntime (1.17 and later,
    // its PadFusion pass) folds a zero Pad into a following MaxPool, whose pads count as -inf.
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
    const model = tfl.model({ inputs: x, outputs: apply(tfl.layers.dense({ units: 5, name: "output" }), sum) });
    perturbWeights(model, 9);
    const exported = await exportOnnx(model, { inputLayout: "NHWC" });
    const decoded = decodeOnnx(exported.bytes);
    checkGraph(decoded);
    const ops = decoded.graph.node.map((n) => n.opType);
    expect(ops.filter((op) => op === "Pad")).toHaveLength(0);
    expect(ops.filter((op) => op === "Max")).toHaveLength(1);
    expect(ops).toContain("Sum");
    // The dense layer named "output" keeps the graph's output name free of clashes.
    expect(decoded.graph.output.map((o) => o.name)).toEqual(["output"]);

    const input = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 4);
    const expected = tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
    const session = await ortNode.InferenceSession.create(exported.bytes);
    const result = await session.run({ input: new ortNode.Tensor("float32", input.dataSync() as Float32Array, [2, 8, 8, 3]) });
    expect(maxDiff(result.output!.data as Float32Array, expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(expected)));
    await session.release();
    input.dispose();
    model.dispose();
  });
});
