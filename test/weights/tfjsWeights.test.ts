import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet } from "../../src/models/resnet.js";
import { decodeSafetensors, loadTfjsWeights, saveSafetensors, WeightsFileError } from "../../src/weights/index.js";
import { encodeFloat16 } from "../../src/weights/halfFloat.js";
import { perturbWeights, useTestBackend } from "../helpers/tf.js";
import { expectWeights, snapshotWeights } from "./helpers.js";

/** The weights part of a model's tfjs artifacts, as `model.save` writes them. */
async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  return artifacts!;
}

/** conv, batch norm, dense: one of each weighted layer. */
function smallModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 3] });
  let x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, name: "conv" }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: "bn" }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 5, name: "dense" }).apply(x) as tfl.SymbolicTensor });
}

const build = (seed: number) => resnet({ depth: 18, preset: "keras", inputShape: [32, 32, 3], classes: 10, seed });

let source: tfl.LayersModel;
let artifacts: tf.io.ModelArtifacts; // what tfjs writes, as tensorflowjs_converter does

beforeAll(async () => {
  await useTestBackend("cpu");
  source = build(1);
  perturbWeights(source, 21);
  artifacts = await artifactsOf(source);
});

afterAll(() => source.dispose());

const specs = () => artifacts.weightSpecs!.map((spec) => ({ ...spec }));
const bytes = () => new Uint8Array(artifacts.weightData as ArrayBuffer);

describe("Keras weights (tfjs artifacts) load by name into the keras preset", () => {
  it("from a tfjs weights manifest, with the source's outputs", async () => {
    expect(artifacts.weightSpecs!.some((spec) => spec.name === "conv2_block1_1_conv/bias")).toBe(true);
    const model = build(2);
    const before = tf.memory().numTensors;
    const result = loadTfjsWeights(model, artifacts, { layout: "keras" });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.loaded).toBe(model.weights.length);
    expectWeights(model, snapshotWeights(source));
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 3);
    const [a, b] = [source.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor];
    const expected = Array.from(await a.data());
    expect(expected.every(Number.isFinite), "reference outputs must be finite to mean anything").toBe(true);
    expect(Array.from(await b.data())).toEqual(expected);
    tf.dispose([x, a, b]);
    model.dispose();
  });

  it("with Keras 2's ':0' names, and shards given as a list", () => {
    const data = bytes();
    const model = build(3);
    const weightSpecs = specs().map((spec) => ({ ...spec, name: `${spec.name}:0` }));
    const cut = 1_000_000;
    loadTfjsWeights(model, { weightSpecs, weightData: [data.slice(0, cut).buffer, data.slice(cut).buffer] }, { layout: "keras" });
    expectWeights(model, snapshotWeights(source));
    expect(() => loadTfjsWeights(model, { weightSpecs, weightData: data.slice().buffer }, { layout: "native" })).toThrow(
      /extra tensor "conv1_conv\/kernel:0"/,
    );
    model.dispose();
  });

  it.each(["float16", "uint8", "uint16"] as const)("quantized to %s, dequantized as tfjs does", async (dtype) => {
    // Quantize every weight as tensorflowjs_converter --quantize_* does, then compare with
    // tfjs's own decoder (tf.io.decodeWeights). A small model: the path is the same.
    const small = smallModel();
    perturbWeights(small, 31);
    const saved = await artifactsOf(small);
    const original = tf.io.decodeWeights(saved.weightData!, saved.weightSpecs!);
    const weightSpecs: tf.io.WeightsManifestEntry[] = [];
    const chunks: Uint8Array[] = [];
    for (const spec of saved.weightSpecs!) {
      const values = original[spec.name]!.dataSync() as Float32Array;
      if (dtype === "float16") {
        chunks.push(encodeFloat16(values));
        weightSpecs.push({ ...spec, quantization: { dtype } });
      } else {
        const [min, max] = [Math.min(...values), Math.max(...values)];
        const scale = max > min ? (max - min) / (dtype === "uint8" ? 255 : 65535) : 1;
        const q = Array.from(values, (v) => Math.round((v - min) / scale));
        chunks.push(new Uint8Array((dtype === "uint8" ? new Uint8Array(q) : new Uint16Array(q)).buffer));
        weightSpecs.push({ ...spec, quantization: { dtype, scale, min } });
      }
    }
    tf.dispose(Object.values(original));
    const weightData = concat(chunks).buffer as ArrayBuffer;
    const copy = smallModel();
    loadTfjsWeights(copy, { weightSpecs, weightData });
    const expected = tf.io.decodeWeights(weightData, weightSpecs);
    for (const w of copy.weights) {
      const theirs = expected[w.originalName]!.dataSync();
      const ours = w.read().dataSync();
      let diff = 0;
      for (let i = 0; i < ours.length; i++) diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
      expect(diff, w.originalName).toBeLessThan(1e-6);
    }
    tf.dispose(Object.values(expected));
    small.dispose();
    copy.dispose();
  });

  it("refuses truncated data or a wrong net, and changes nothing", () => {
    const model = build(5);
    const before = snapshotWeights(model);
    const tensors = tf.memory().numTensors;
    expect(() => loadTfjsWeights(model, { weightSpecs: specs(), weightData: bytes().slice(0, 1000).buffer })).toThrow(WeightsFileError);
    expect(() => loadTfjsWeights(model, { weightSpecs: specs(), weightData: bytes().slice(0, 1000).buffer })).toThrow(
      /tfjs weights: "conv1_conv\/kernel" \[7, 7, 3, 64\] ends at byte 37632, but the data is 1000 bytes/,
    );
    // The manifest without its last weight, and the data without its bytes.
    const all = specs();
    const last = all.pop()!;
    const data = bytes();
    const size = last.shape.reduce((a, b) => a * b, 4);
    expect(() => loadTfjsWeights(model, { weightSpecs: all, weightData: data.slice(0, data.length - size).buffer }, { layout: "keras" })).toThrow(
      new RegExp(`1 problem, the model's weights are unchanged:\\n  missing tensor "${last.name}"`),
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expectWeights(model, before);
    model.dispose();
  });

  it("Keras's ResNet50 has 320 weight arrays and 25,636,712 parameters under these names", async () => {
    const model = resnet({ depth: 50, preset: "keras", inputShape: [32, 32, 3] });
    const file = decodeSafetensors(await saveSafetensors(model, { layout: "keras" }));
    model.dispose();
    const names = file.tensors.map((t) => t.name);
    expect(names).toHaveLength(320);
    expect(file.tensors.reduce((total, t) => total + t.shape.reduce((a, b) => a * b, 1), 0)).toBe(25_636_712);
    for (const name of [
      "conv1_conv/kernel",
      "conv1_bn/moving_variance",
      "conv2_block1_0_conv/bias",
      "conv2_block1_0_bn/gamma",
      "conv4_block6_3_bn/moving_mean",
      "conv5_block3_3_conv/kernel",
      "predictions/kernel",
    ]) {
      expect(names).toContain(name);
    }
  });
});

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, c) => total + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
