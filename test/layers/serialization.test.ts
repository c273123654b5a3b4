import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import "../../src/index.js"; // registers ZeroPadShortcut, as importing the package does
import { resnet, type ResNetBuildOptions } from "../../src/models/resnet.js";
import { expectNoLeak, maxAbsDiff, perturbWeights, useTestBackend } from "../helpers/tf.js";

beforeAll(() => useTestBackend("cpu"));

const NETS: ResNetBuildOptions[] = [18, 34, 50, 101, 152].flatMap((depth) => [
  { depth, residual: true },
  { depth, residual: false },
]) as ResNetBuildOptions[];
const VARIANTS: ResNetBuildOptions[] = [
  { depth: 34, shortcut: "A" },
  { depth: 50, shortcut: "A" },
  { depth: 18, shortcut: "C" },
  { depth: 50, preset: "torchvision" },
  { depth: 50, preset: "keras", includeTop: false, pooling: "max" },
];

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

describe("model.save / tf.loadLayersModel round trip", () => {
  it.each([...NETS, ...VARIANTS])("%o gives the same outputs after a round trip", async (options) => {
    const model = resnet({ ...options, inputShape: [32, 32, 3], seed: 3 });
    perturbWeights(model, 11); // the loaded model must get these, not a re-run of the seeded initialisers
    await expectNoLeak(async () => {
      const loaded = await roundTrip(model);
      expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
      const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 5);
      const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(b.shape).toEqual(a.shape);
      expect(await maxAbsDiff(a, b)).toBe(0);
      tf.dispose([x, a, b]);
      loaded.dispose();
    });
    model.dispose();
  });

  it("saves the option-A shortcut under its registered name", async () => {
    const model = resnet({ depth: 18, shortcut: "A", inputShape: [32, 32, 3] });
    let topology: unknown;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        topology = artifacts.modelTopology;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
      }),
    );
    const text = JSON.stringify(topology);
    expect(text).toContain('"class_name":"ZeroPadShortcut"');
    expect(text).toContain('"stride":2');
    model.dispose();
  });
});
