import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { convert } from "../../src/cli/convert.js";
import { parseConvertArgs } from "../../src/cli/convertArgs.js";
import { main } from "../../src/cli/main.js";
import { resnet } from "../../src/models/resnet.js";
import { saveSafetensors } from "../../src/weights/index.js";
import { perturbWeights, useTestBackend } from "../helpers/tf.js";

let dir: string;

/** A tfjs IOHandler reading a model directory from disk (tfjs-node's file:// without tfjs-node). */
function fileHandler(directory: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(directory, "model.json"), "utf8")) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = manifest.flatMap((group) => group.paths.map((path) => readFileSync(join(directory, path))));
        const data = new Uint8Array(shards.reduce((total, shard) => total + shard.length, 0));
        let offset = 0;
        for (const shard of shards) {
          data.set(shard, offset);
          offset += shard.length;
        }
        return [specs, data.buffer];
      });
    },
  };
}

/** A seeded net with random batch-norm values, its weights saved in `layout` to a file. */
async function source(options: Parameters<typeof resnet>[0], layout: "torchvision" | "keras" | "native", file: string) {
  const model = resnet({ inputShape: [32, 32, 3], ...options });
  perturbWeights(model, 11);
  writeFileSync(join(dir, file), await saveSafetensors(model, { layout }));
  return model;
}

async function expectSameOutputs(a: tfl.LayersModel, b: tfl.LayersModel): Promise<void> {
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, "float32", 5);
  const [ya, yb] = [a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor];
  expect(yb.shape).toEqual(ya.shape);
  const expected = Array.from(await ya.data());
  expect(expected.every(Number.isFinite), "reference outputs must be finite to mean anything").toBe(true);
  expect(Array.from(await yb.data())).toEqual(expected);
  tf.dispose([x, ya, yb]);
}

beforeAll(async () => {
  await useTestBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "resnet-blocks-convert-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("convert", () => {
  it("writes a tfjs model (model.json + shards) that tf.loadLayersModel opens, with the same outputs", async () => {
    const original = await source({ depth: 18, preset: "torchvision", classes: 10, seed: 1 }, "torchvision", "r18.safetensors");
    mkdirSync(join(dir, "r18")); // an empty folder is written into without force
    const before = tf.memory().numTensors;
    const result = await convert({
      input: join(dir, "r18.safetensors"),
      output: join(dir, "r18"),
      from: "torchvision",
      depth: 18,
      inputShape: [32, 32, 3],
      shardBytes: 1024 * 1024,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.options).toMatchObject({ depth: 18, preset: "torchvision", classes: 10 });
    expect(result.loaded).toBe(original.weights.length);
    const files = readdirSync(join(dir, "r18")).sort();
    const bytes = original.countParams() * 4;
    expect(files).toHaveLength(1 + Math.ceil(bytes / (1024 * 1024)));
    expect(files).toContain("model.json");
    expect(files).toContain("group1-shard1of" + (files.length - 1) + ".bin");
    for (const shard of result.shards) expect(statSync(shard).size).toBeLessThanOrEqual(1024 * 1024);
    const json = JSON.parse(readFileSync(result.modelJson, "utf8"));
    expect(json).toMatchObject({ format: "layers-model", convertedBy: "resnet-blocks convert" });

    const loaded = await tfl.loadLayersModel(fileHandler(join(dir, "r18")));
    expect(loaded.name).toBe("resnet18");
    await expectSameOutputs(original, loaded);
    original.dispose();
    loaded.dispose();
  });

  it("converts a Keras-layout plain net and an option-A net (custom layer) from native", async () => {
    const plain = await source({ depth: 18, residual: false, preset: "keras", classes: 3, seed: 2 }, "keras", "p18.safetensors");
    await convert({ input: join(dir, "p18.safetensors"), output: join(dir, "p18"), from: "keras", depth: 18, residual: false, inputShape: [32, 32, 3] });
    const plainLoaded = await tfl.loadLayersModel(fileHandler(join(dir, "p18")));
    await expectSameOutputs(plain, plainLoaded);
    plain.dispose();
    plainLoaded.dispose();

    const optionA = await source({ depth: 18, shortcut: "A", includeTop: false, seed: 3 }, "native", "a18.safetensors");
    const result = await convert({ input: join(dir, "a18.safetensors"), output: join(dir, "a18"), from: "native", depth: 18, shortcut: "A", inputShape: [32, 32, 3] });
    expect(result.options.includeTop).toBe(false);
    const loadedA = await tfl.loadLayersModel(fileHandler(join(dir, "a18")));
    expect(loadedA.layers.some((layer) => layer.getClassName() === "ZeroPadShortcut")).toBe(true);
    await expectSameOutputs(optionA, loadedA);
    optionA.dispose();
    loadedA.dispose();
  });
});

describe("convert's output folder", () => {
  // Replacing with force, and failures leaving the folder as it was, are tested on the built CLI in test/cli.test.ts.
  it("refuses a non-empty folder before any work", async () => {
    const output = join(dir, "force");
    mkdirSync(join(output, "old-shards"), { recursive: true });
    writeFileSync(join(output, "group1-shard1of99.bin"), "stale");
    const options = { input: join(dir, "missing.safetensors"), output, from: "torchvision", depth: 18, inputShape: [32, 32, 3] } as const;
    const before = tf.memory().numTensors;
    await expect(convert(options)).rejects.toThrow(new RangeError(
      `${output} is not empty (2 entries: group1-shard1of99.bin, old-shards); convert writes into a new or empty folder, ` +
        "or replaces the folder's contents with --force (option force: true)",
    ));
    expect(tf.memory().numTensors).toBe(before);
    expect(readdirSync(output).sort()).toEqual(["group1-shard1of99.bin", "old-shards"]);
    expect(readFileSync(join(output, "group1-shard1of99.bin"), "utf8")).toBe("stale");
  });

  it.each([
    [{ shardBytes: 100 }, /shardBytes must be an integer from 1024 to 1073741824 \(1 KiB to 1 GiB\); got 100/],
    [{ force: "yes" }, /force must be true or false; got "yes"/],
  ])("checks %o", async (bad, message) => {
    const options = { input: join(dir, "none.safetensors"), output: join(dir, "none"), from: "torchvision", depth: 18, ...bad };
    await expect(convert(options as Parameters<typeof convert>[0])).rejects.toThrow(message);
  });
});

describe("the convert command", () => {
  it("parses its arguments", () => {
    expect(parseConvertArgs(["in.safetensors", "out", "--from", "torchvision", "--depth", "50", "--input", "160x128", "--shard-mb", "2"])).toEqual({
      input: "in.safetensors",
      output: "out",
      from: "torchvision",
      depth: 50,
      residual: true,
      inputShape: [160, 128, 3],
      shardBytes: 2 * 1024 * 1024,
    });
    expect(parseConvertArgs(["a", "b", "--from", "keras", "--depth", "18", "--plain", "--shortcut", "C"])).toMatchObject({ residual: false, shortcut: "C" });
  });

  it.each([
    [["in", "out", "--depth", "50"], /--from is required: one of native, torchvision, keras/],
    [["in", "out", "--from", "torch", "--depth", "50"], /--from must be one of "native", "torchvision", "keras"; got "torch"/],
    [["in", "out", "--from", "keras", "--depth", "42"], /--depth must be one of 18, 34, 50, 101, 152; got 42/],
    [["in", "--from", "keras", "--depth", "50"], /convert needs <in.safetensors> <out-dir>; got in/],
  ])("usage errors exit 2 with a message: %j", async (argv, message) => {
    const err: string[] = [];
    expect(await main(["convert", ...argv], { write: () => true }, { write: (t: string) => err.push(t) })).toBe(2);
    expect(err.join("")).toMatch(message);
  });

  it("runs, and exits 1 naming the tensors when the file does not fit the net", async () => {
    const out: string[] = [];
    const err: string[] = [];
    (await source({ depth: 18, preset: "torchvision", classes: 10, seed: 4 }, "torchvision", "cli.safetensors")).dispose();
    const args = ["convert", join(dir, "cli.safetensors"), join(dir, "cli"), "--from", "torchvision", "--input", "32"];
    expect(await main([...args, "--depth", "18"], { write: (t: string) => out.push(t) }, { write: () => true })).toBe(0);
    expect(out.join(""), out.join("")).toMatch(/wrote .*model\.json and 11 shard\(s\): resnet18 \(residual, preset torchvision, 10 classes\), 102 weights loaded/);
    expect(await main([...args, "--depth", "34", "--force"], { write: () => true }, { write: (t: string) => err.push(t) })).toBe(1);
    expect(err.join("")).toMatch(/missing tensor "layer1\.2\.conv1\.weight"/);
  });
});
