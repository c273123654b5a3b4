import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { basicBlock } from "../../../src/blocks/blocks.js";
import { fuse } from "../../../src/infer/fuse/index.js";
import { useTestBackend } from "../../helpers/tf.js";
import { differences, expectFusedEqualsPredict, perturbed, RELATIVE_TOLERANCE } from "./compare.js";

/** A small net of the library's blocks: 32x32x3 in, 10 logits out. */
function smallNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [32, 32, 3] });
  let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", useBias: false }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: "relu" }).apply(x) as tfl.SymbolicTensor;
  x = basicBlock(x, { filters: 8 });
  x = basicBlock(x, { filters: 16, stride: 2 });
  const pooled = tfl.layers.globalAveragePooling2d({}).apply(x);
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 10 }).apply(pooled) as tfl.SymbolicTensor });
}

beforeAll(() => useTestBackend("wasm"));

describe("FusedModel lifecycle", () => {
  it.each(["tfjs", "resnet-blocks"] as const)("leaves no tensor behind over 100 predict calls (%s kernels)", (kernels) => {
    const model = perturbed(smallNet());
    const fused = fuse(model, { kernels });
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, "float32", 1) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 100; i++) fused.predict(x).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytes);
    tf.dispose(x);
    fused.dispose();
    model.dispose();
  });

  it("holds its own prepared weights, and dispose() frees every one of them", () => {
    const model = smallNet();
    const before = tf.memory().numTensors;
    const fused = fuse(model, { kernels: "tfjs" });
    // 6 convolutions, each a folded kernel and bias (the stride-2 block has a projection), plus the dense kernel and bias.
    expect(tf.memory().numTensors - before).toBe(2 * 6 + 2);
    expect(fused.isDisposed).toBe(false);
    fused.dispose();
    expect(fused.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    fused.dispose(); // a second call does nothing
    expect(tf.memory().numTensors).toBe(before);
    // A warm-up run leaves nothing but the same weights behind.
    const warm = fuse(model, { warmUp: true, kernels: "tfjs" });
    expect(tf.memory().numTensors - before).toBe(2 * 6 + 2);
    warm.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // resnet-blocks' kernel keeps each convolution's kernel and bias in one packed tensor.
    const own = fuse(model, { warmUp: true, kernels: "resnet-blocks" });
    expect(tf.memory().numTensors - before).toBe(6 + 2);
    own.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The model itself is untouched.
    tf.tidy(() => {
      expect((model.predict(tf.zeros([1, 32, 32, 3])) as tf.Tensor).shape).toEqual([1, 10]);
    });
    model.dispose();
  });

  it("throws a clear error when predict is called after dispose", () => {
    const model = smallNet();
    const fused = fuse(model);
    fused.dispose();
    tf.tidy(() => {
      expect(() => fused.predict(tf.zeros([1, 32, 32, 3]))).toThrow(/disposed; call fuse\(model\) again/);
    });
    model.dispose();
  });

  it("keeps the weights it was made with when the model's weights change later", async () => {
    const model = perturbed(smallNet(), 1);
    const fused = fuse(model);
    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, "float32", 2) as tf.Tensor4D;
    const first = fused.predict(x);
    perturbed(model, 2);
    const second = fused.predict(x);
    expect((await differences(first, second)).maxDiff).toBe(0);
    const changed = model.predict(x) as tf.Tensor;
    expect((await differences(first, changed)).maxDiff).toBeGreaterThan(1e-3);
    tf.dispose([x, first, second, changed]);
    fused.dispose();
    model.dispose();
  });
});

describe("FusedModel.predict input checks", () => {
  let fused: ReturnType<typeof fuse>;
  let model: tfl.LayersModel;
  beforeAll(() => {
    model = smallNet();
    fused = fuse(model);
    return () => {
      fused.dispose();
      model.dispose();
    };
  });

  it("reports the model's input shape", () => {
    expect(fused.inputShape).toEqual([32, 32, 3]);
  });

  it.each([
    ["a wrong height", [1, 31, 32, 3], /x must have shape \[batch, 32, 32, 3\] with batch >= 1; got \[1,31,32,3\]/],
    ["wrong channels", [2, 32, 32, 1], /x must have shape \[batch, 32, 32, 3\].*got \[2,32,32,1\]/],
    ["a missing batch dimension", [32, 32, 3], /x must have shape \[batch, 32, 32, 3\].*got \[32,32,3\]/],
    ["an empty batch", [0, 32, 32, 3], /x must have shape \[batch, 32, 32, 3\] with batch >= 1; got \[0,32,32,3\]/],
  ])("rejects %s with a RangeError naming x", (_what, shape, message) => {
    tf.tidy(() => {
      expect(() => fused.predict(tf.zeros(shape as number[]) as unknown as tf.Tensor4D)).toThrow(RangeError);
      expect(() => fused.predict(tf.zeros(shape as number[]) as unknown as tf.Tensor4D)).toThrow(message);
    });
  });

  it("rejects int32 input, a disposed tensor and a non-tensor with a TypeError naming x", () => {
    tf.tidy(() => {
      expect(() => fused.predict(tf.zeros([1, 32, 32, 3], "int32"))).toThrow(/x must be float32; got dtype "int32"/);
    });
    const gone = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    gone.dispose();
    expect(() => fused.predict(gone)).toThrow(/x must be a live tensor/);
    expect(() => fused.predict([1, 2, 3] as unknown as tf.Tensor4D)).toThrow(TypeError);
    expect(() => fused.predict([1, 2, 3] as unknown as tf.Tensor4D)).toThrow(/x must be a float32 tf.Tensor4D of shape \[batch, 32, 32, 3\]; got \[1,2,3\]/);
  });
});

describe("fuse(model) on models it cannot fully fold", () => {
  it("runs a batch norm that follows no convolution, a ReLU-activated conv, a materialised padding, flatten, dropout and dense activations", async () => {
    await useTestBackend("cpu");
    const input = tfl.input({ shape: [12, 12, 3] });
    let x = tfl.layers.batchNormalization({ name: "input_bn" }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: "relu", name: "relu_conv" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: "after_relu_bn" }).apply(x) as tfl.SymbolicTensor; // not foldable: a ReLU sits between
    x = tfl.layers.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: "pad" }).apply(x) as tfl.SymbolicTensor; // input may be < 0: max pool must see the zeros
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: "pool" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dropout({ rate: 0.5, name: "dropout" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 6, activation: "tanh", name: "hidden" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dense({ units: 3, activation: "softmax", name: "probs" }).apply(x) as tfl.SymbolicTensor;
    const model = perturbed(tfl.model({ inputs: input, outputs: x }));
    const fused = fuse(model);
    expect(fused.steps.map((step) => step.kind)).toEqual(["batchNorm", "conv", "batchNorm", "pad", "maxPool", "flatten", "dense", "dense"]);
    fused.dispose();
    expect(await expectFusedEqualsPredict(model, { batch: 3 })).toBeLessThan(RELATIVE_TOLERANCE);
    model.dispose();
  });

  it("folds a batch norm into a convolution with a 'same' padding after an explicit one, and into one with a ReLU6", async () => {
    await useTestBackend("cpu");
    const input = tfl.input({ shape: [9, 11, 2] });
    let x = tfl.layers.zeroPadding2d({ padding: [[2, 1], [0, 3]] }).apply(input) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 5, kernelSize: [3, 5], padding: "same", useBias: true }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ scale: false }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, padding: "same" }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ center: false }).apply(x) as tfl.SymbolicTensor;
    const model = perturbed(tfl.model({ inputs: input, outputs: x }));
    const fused = fuse(model);
    expect(fused.steps.map((step) => step.kind)).toEqual(["conv", "conv"]);
    fused.dispose();
    await expectFusedEqualsPredict(model, { batch: 2 });
    model.dispose();
  });
});

describe("fuse(model) on a tf.sequential model", () => {
  it("folds conv, batch norm and ReLU into one step and matches predict", async () => {
    await useTestBackend("cpu");
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [10, 10, 3], filters: 4, kernelSize: 3, name: "conv" }),
        tfl.layers.batchNormalization({ name: "bn" }),
        tfl.layers.activation({ activation: "relu", name: "relu" }),
        tfl.layers.flatten({ name: "flatten" }),
        tfl.layers.dense({ units: 3, name: "dense" }),
      ],
    });
    perturbed(model);
    const fused = fuse(model);
    expect(fused.steps).toEqual([
      { kind: "conv", layers: ["conv", "bn", "relu"] },
      { kind: "flatten", layers: ["flatten"] },
      { kind: "dense", layers: ["dense"] },
    ]);
    fused.dispose();
    await expectFusedEqualsPredict(model);
    model.dispose();
  });
});

describe("fuse(model) errors", () => {
  it("names the layer and its class when it meets a layer it cannot run", () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const x = tfl.layers.conv2d({ filters: 4, kernelSize: 3, name: "c" }).apply(input) as tfl.SymbolicTensor;
    const y = tfl.layers.depthwiseConv2d({ kernelSize: 3, name: "dw" }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    const before = tf.memory().numTensors;
    expect(() => fuse(model)).toThrow(TypeError);
    expect(() => fuse(model)).toThrow(/model layer "dw" \(class DepthwiseConv2D\) cannot be fused: fuse\(\) handles InputLayer, Conv2D/);
    expect(tf.memory().numTensors).toBe(before); // the weights it had prepared are freed
    model.dispose();
  });

  it("rejects a convolution with an activation it cannot fuse, naming it", () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const y = tfl.layers.conv2d({ filters: 4, kernelSize: 3, activation: "elu", name: "elu_conv" }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    expect(() => fuse(model)).toThrow(/model layer "elu_conv" \(class Conv2D\) cannot be fused: .*linear, relu or relu6; got "elu"/);
    model.dispose();
  });

  it("rejects models with two inputs, and things that are not models", () => {
    const a = tfl.input({ shape: [4, 4, 2] });
    const b = tfl.input({ shape: [4, 4, 2] });
    const sum = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: sum });
    expect(() => fuse(model)).toThrow(/model must have one input and one output; .* has 2 inputs and 1 outputs/);
    expect(() => fuse({} as tfl.LayersModel)).toThrow(/model must be a tfjs-layers LayersModel/);
    expect(() => fuse(null as unknown as tfl.LayersModel)).toThrow(TypeError);
    model.dispose();
  });

  it("rejects models whose input size is not fixed", () => {
    const input = tfl.input({ shape: [null, null, 3] });
    const y = tfl.layers.conv2d({ filters: 4, kernelSize: 3 }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: y });
    const before = tf.memory().numTensors;
    expect(() => fuse(model)).toThrow(/model must take images of a fixed size \[height, width, channels\]; .* takes \[null,null,null,3\]/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("checks its options", () => {
    const model = smallNet();
    expect(() => fuse(model, { warmUp: "yes" as unknown as boolean })).toThrow(/options.warmUp must be true or false; got "yes"/);
    expect(() => fuse(model, { fast: true } as object)).toThrow(/options.fast is not an option of fuse; accepted: warmUp/);
    expect(() => fuse(model, 3 as unknown as object)).toThrow(/options must be an options object; got 3/);
    model.dispose();
  });
});
