import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet } from "../../src/models/resnet.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  loadTfjsWeights,
  saveSafetensors,
  WeightsError,
} from "../../src/weights/index.js";
import { perturbWeights, useTestBackend } from "../helpers/tf.js";

let model: tfl.LayersModel;
let bytes: Uint8Array;
beforeAll(async () => {
  await useTestBackend("cpu");
  model = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 1 });
  perturbWeights(model, 3);
  bytes = await saveSafetensors(model);
});
afterAll(() => model.dispose());

/** `bytes` with `count` values of the tensor `name` (float32) set to `value`. */
function withValues(name: string, value: number, count: number): Uint8Array {
  const file = decodeSafetensors(bytes);
  const tensors = file.tensors.map((tensor) => {
    const data = new Float32Array(tensor.data.slice().buffer);
    if (tensor.name === name) data.fill(value, 1, 1 + count);
    return { name: tensor.name, dtype: tensor.dtype, shape: tensor.shape, data: new Uint8Array(data.buffer) };
  });
  return encodeSafetensors(tensors);
}

function weightValues(name: string): Float32Array {
  const weight = model.weights.find((w) => w.originalName === name)!;
  return weight.read().dataSync() as Float32Array;
}

describe("option keys", () => {
  it("loadSafetensors, loadTfjsWeights and saveSafetensors reject an unknown key, naming the accepted ones", async () => {
    const layout = weightValues("conv1_conv/kernel").slice();
    expect(() => loadSafetensors(model, bytes, { layuot: "torchvision" } as never)).toThrow(
      new TypeError("options.layuot is not an option of loadSafetensors; accepted: layout, prefix, ignoreExtra, allowNonFinite"),
    );
    expect(() => loadTfjsWeights(model, { weightSpecs: [], weightData: new ArrayBuffer(0) } as never, { ignoreextra: true } as never)).toThrow(
      new TypeError("options.ignoreextra is not an option of loadTfjsWeights; accepted: layout, prefix, ignoreExtra, allowNonFinite"),
    );
    await expect(saveSafetensors(model, { dtpye: "float16" } as never)).rejects.toThrow(
      new TypeError("options.dtpye is not an option of saveSafetensors; accepted: layout, dtype, metadata, allowOverflow"),
    );
    expect(weightValues("conv1_conv/kernel")).toEqual(layout);
  });
});

describe("non-finite weights", () => {
  it("are refused on load, naming each tensor, and the model is unchanged", () => {
    const before = weightValues("conv1_conv/kernel").slice();
    const numTensors = tf.memory().numTensors;
    const nan = withValues("conv1_conv/kernel", Number.NaN, 3);
    const error = (() => {
      try {
        loadSafetensors(model, nan);
      } catch (caught) {
        return caught as WeightsError;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(WeightsError);
    expect(error!.message).toContain(
      'tensor "conv1_conv/kernel" (conv1_conv/kernel) has 3 non-finite values (NaN or Infinity), the first at index 1; pass allowNonFinite: true to load them anyway',
    );
    expect(() => loadSafetensors(model, withValues("predictions/bias", Number.POSITIVE_INFINITY, 1))).toThrow(/"predictions\/bias" .*has 1 non-finite value \(NaN or Infinity\), the first at index 1/);
    expect(weightValues("conv1_conv/kernel")).toEqual(before);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it("load with allowNonFinite: true", () => {
    const nan = withValues("conv1_conv/kernel", Number.NaN, 2);
    loadSafetensors(model, nan, { allowNonFinite: true });
    const values = weightValues("conv1_conv/kernel");
    expect([Number.isNaN(values[1]!), Number.isNaN(values[2]!), Number.isNaN(values[3]!)]).toEqual([true, true, false]);
    loadSafetensors(model, bytes); // back to finite weights
    expect(() => loadSafetensors(model, bytes, { allowNonFinite: "yes" as never })).toThrow(/^options\.allowNonFinite must be true or false; got "yes"$/);
  });
});

describe("float16 overflow", () => {
  it("saving values float16 cannot hold is an error unless allowOverflow: true", async () => {
    const big = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 2 });
    try {
      const bias = big.weights.find((w) => w.originalName === "predictions/bias")!;
      bias.write(tf.tensor1d([65519, -65519, 1, 2, 3, 4, 5, 6, 7, 8]));
      // 65519 rounds to 65504, the largest float16: allowed.
      const ok = decodeSafetensors(await saveSafetensors(big, { dtype: "float16" }));
      expect(ok.tensors.find((t) => t.name === "predictions/bias")!.dtype).toBe("F16");
      bias.write(tf.tensor1d([65520, -70000, 1, 2, 3, 4, 5, 6, 7, Number.NaN]));
      await expect(saveSafetensors(big, { dtype: "float16" })).rejects.toThrow(
        new RangeError(
          'options.dtype "float16" cannot hold 2 values of predictions/bias (largest magnitude 70000; float16 holds up to 65504, and 65520 or more become Infinity): save as "float32" or "bfloat16", or pass allowOverflow: true',
        ),
      );
      const saved = await saveSafetensors(big, { dtype: "float16", allowOverflow: true });
      loadSafetensors(big, saved, { allowNonFinite: true });
      expect(Array.from(bias.read().dataSync()).slice(0, 2)).toEqual([Infinity, -Infinity]);
      // bfloat16 has float32's range: no overflow.
      await expect(saveSafetensors(big, { dtype: "bfloat16" })).resolves.toBeInstanceOf(Uint8Array);
    } finally {
      big.dispose();
    }
  });
});
