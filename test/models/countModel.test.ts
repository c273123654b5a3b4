import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { countModel } from "../../src/models/countModel.js";
import { useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

describe("countModel on models that are not ours", () => {
  it("counts convolutions, depthwise convolutions, dense layers and pooling by hand-derived figures", () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [20, 30, 3], filters: 8, kernelSize: [3, 5], padding: "same", activation: "relu" }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: "valid", useBias: false }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 10, activation: "softmax" }),
      ],
    });
    const report = countModel(model);
    const conv = 20 * 30 * 8 * (3 * 5 * 3); // every output element: 3x5 window over 3 channels
    const depthwise = 18 * 28 * 8 * 9; // one 3x3 window per channel
    const dense = 9 * 14 * 8 * 10;
    expect(report.macs).toBe(conv + depthwise + dense);
    expect(report.flops).toBe(2 * report.macs);
    expect(report.params.total).toBe(3 * 5 * 3 * 8 + 8 + 3 * 3 * 8 + (9 * 14 * 8 * 10 + 10));
    expect(report.params.trainable).toBe(report.params.total);
    expect(report.extraFlops.activation).toBe(20 * 30 * 8); // the conv's inline ReLU
    expect(report.extraFlops.softmax).toBe(3 * 10);
    expect(report.extraFlops.pool).toBe(9 * 14 * 8 * 3);
    expect(report.extraFlops.bias).toBe(20 * 30 * 8 + 10);
    expect(report.uncounted).toEqual([]);
    expect(report.stages).toEqual([]); // no Table 1 names, no stages
    model.dispose();
  });

  it("lists the layers it cannot count instead of skipping them silently", () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.simpleRNN({ inputShape: [5, 4], units: 6, recurrentInitializer: "glorotUniform" }),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const report = countModel(model);
    expect(report.uncounted).toEqual([{ name: model.layers[0]!.name, kind: "SimpleRNN" }]);
    expect(report.macs).toBe(6 * 2); // the dense layer only
    expect(report.params.total).toBe(model.countParams()); // the RNN's parameters are still counted
    model.dispose();
  });

  it("counts frozen layers' weights as non-trainable", () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [4], units: 3, trainable: false }), tfl.layers.dense({ units: 2 })],
    });
    expect(countModel(model).params).toEqual({ total: 15 + 8, trainable: 8, nonTrainable: 15 });
    model.dispose();
  });

  it("rejects what is not a LayersModel", () => {
    expect(() => countModel({} as never)).toThrow(/^model must be a tfjs-layers LayersModel; got \{\}$/);
  });
});
