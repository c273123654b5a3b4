import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { basicBlock, bottleneckBlock, plainBlock } from "../../src/blocks/blocks.js";
import { countModel } from "../../src/models/countModel.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

describe("blocks in a user's own model", () => {
  it("chain into a small CIFAR-style net with the expected shapes and parameters", async () => {
    const input = tfl.input({ shape: [32, 32, 16] });
    let x = basicBlock(input, { filters: 16, name: "s1b1" });
    x = basicBlock(x, { filters: 32, stride: 2, shortcut: "A", name: "s2b1" });
    x = bottleneckBlock(x, { filters: 16, stride: 2, name: "s3b1" });
    x = plainBlock(x, { filters: 64, name: "s4b1" });
    expect(x.shape).toEqual([null, 8, 8, 64]);
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: pooled });

    // Parameters from the paper's block diagrams, by hand: conv k*k*cin*cout, BN 4*c.
    const conv = (k: number, cin: number, cout: number) => k * k * cin * cout;
    const bn = (c: number) => 4 * c;
    const s1 = 2 * (conv(3, 16, 16) + bn(16)); // identity shortcut
    const s2 = conv(3, 16, 32) + bn(32) + conv(3, 32, 32) + bn(32); // option A: no parameters
    const s3 = conv(1, 32, 16) + bn(16) + conv(3, 16, 16) + bn(16) + conv(1, 16, 64) + bn(64) + conv(1, 32, 64) + bn(64);
    const s4 = conv(3, 64, 64) + bn(64) + conv(3, 64, 64) + bn(64);
    expect(model.countParams()).toBe(s1 + s2 + s3 + s4);

    const names = model.layers.map((l) => l.name);
    expect(names).toContain("s2b1_0_shortcut");
    expect(names).toContain("s3b1_0_conv");
    expect(names).toContain("s3b1_add");
    expect(names).not.toContain("s4b1_add");
    expect(countModel(model).uncounted).toEqual([]);

    await expectNoLeak(() => {
      const x = tf.ones([1, 32, 32, 16]);
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([1, 64]);
      tf.dispose([x, y]);
    });
    model.dispose();
  });

  it("puts a bottleneck's stride on the 3x3 with strideIn '3x3' (explicit symmetric padding)", () => {
    const input = tfl.input({ shape: [56, 56, 256] });
    const y = bottleneckBlock(input, { filters: 128, stride: 2, strideIn: "3x3", name: "b" });
    const model = tfl.model({ inputs: input, outputs: y });
    expect(y.shape).toEqual([null, 28, 28, 512]);
    expect(model.getLayer("b_1_conv").getConfig()).toMatchObject({ strides: [1, 1] });
    expect(model.getLayer("b_2_pad").getConfig()).toMatchObject({ padding: [[1, 1], [1, 1]] });
    expect(model.getLayer("b_2_conv").getConfig()).toMatchObject({ strides: [2, 2], padding: "valid" });
    model.dispose();
  });

  it("accepts unknown height and width (fully convolutional use)", () => {
    const input = tfl.input({ shape: [null, null, 64] });
    const y = basicBlock(input, { filters: 128, stride: 2 });
    expect(y.shape).toEqual([null, null, null, 128]);
  });

  it("names layers uniquely by default", () => {
    const input = tfl.input({ shape: [8, 8, 4] });
    const a = basicBlock(input, { filters: 4 });
    const b = basicBlock(a, { filters: 4 });
    const model = tfl.model({ inputs: input, outputs: b });
    const names = model.layers.map((l) => l.name);
    expect(new Set(names).size).toBe(names.length);
    model.dispose();
  });
});

describe("blocks reject bad input at the call", () => {
  const x = () => tfl.input({ shape: [8, 8, 16] });
  it("non-integer filters", () => {
    expect(() => basicBlock(x(), { filters: 2.5 })).toThrow(RangeError);
    expect(() => basicBlock(x(), { filters: 2.5 })).toThrow(/^filters must be an integer >= 1; got 2.5$/);
  });
  it("filters as a string", () => {
    expect(() => bottleneckBlock(x(), { filters: "64" as never })).toThrow(/^filters must be an integer >= 1; got "64"$/);
  });
  it("stride 0", () => {
    expect(() => basicBlock(x(), { filters: 16, stride: 0 })).toThrow(/^stride must be an integer >= 1; got 0$/);
  });
  it("an input that is not a 4-D symbolic tensor", () => {
    const concrete = tf.zeros([1, 8, 8, 16]);
    expect(() => basicBlock(concrete as never, { filters: 16 })).toThrow(TypeError);
    expect(() => basicBlock(concrete as never, { filters: 16 })).toThrow(/got a concrete Tensor of shape \[1,8,8,16\]/);
    concrete.dispose();
    expect(() => basicBlock(tfl.input({ shape: [16] }), { filters: 16 })).toThrow(
      /^x must be a 4-D SymbolicTensor .*; got shape \[null,16\]$/,
    );
    expect(() => plainBlock(undefined as never, { filters: 16 })).toThrow(/^x must be a 4-D SymbolicTensor.*got undefined/);
  });
  it("shortcut A that would have to drop channels", () => {
    expect(() => basicBlock(x(), { filters: 8, shortcut: "A" })).toThrow(/^shortcut "A" zero-pads channels/);
  });
  it("an unknown option", () => {
    expect(() => plainBlock(x(), { filters: 16, shortcut: "B" } as never)).toThrow(/^options.shortcut is not an option of plainBlock/);
  });
});
