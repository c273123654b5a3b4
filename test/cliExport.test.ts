/**
 * `resnet-blocks export`, in-process through the CLI's `main`: from torchvision-layout
 * safetensors (+ --depth/--preset) and from a TensorFlow.js model.json, the written file
 * gives tfjs's logits in onnxruntime-node; flag mistakes, an existing output and a failed
 * export leave the output as it was.
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/cli/main.js";
import { writeLayersModel } from "../src/cli/convert.js";
import { resnet } from "../src/models/resnet.js";
import { saveSafetensors } from "../src/weights/index.js";
import { perturbWeights, useTestBackend } from "./helpers/tf.js";
import { decodeOnnx } from "./onnx/graphCheck.js";

let dir: string;
let model: tfl.LayersModel;
let weightsPath: string;
let modelJson: string;
let images: tf.Tensor4D;
let expected: Float32Array;

beforeAll(async () => {
  await useTestBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "rb-export-"));
  model = resnet({ depth: 18, preset: "torchvision", inputShape: [32, 32, 3], classes: 10, seed: 2 });
  perturbWeights(model, 5);
  weightsPath = join(dir, "resnet18.safetensors");
  writeFileSync(weightsPath, await saveSafetensors(model, { layout: "torchvision" }));
  modelJson = (await writeLayersModel(model, join(dir, "tfjs"))).modelJson;
  images = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 3) as tf.Tensor4D;
  expected = tf.tidy(() => (model.predict(images) as tf.Tensor).dataSync() as Float32Array);
});

afterAll(() => {
  model.dispose();
  images.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { write: (t: string) => (out += t) }, { write: (t: string) => (err += t) });
  return { code, out, err };
}

/** The file's output for `images`, in the layout it takes. */
async function runOnnx(path: string, layout: "NCHW" | "NHWC"): Promise<Float32Array> {
  const session = await ortNode.InferenceSession.create(readFileSync(path));
  const x = tf.tidy(() => (layout === "NCHW" ? tf.transpose(images, [0, 3, 1, 2]) : images.clone()));
  const feed = new ortNode.Tensor("float32", x.dataSync() as Float32Array, x.shape);
  x.dispose();
  const result = await session.run({ input: feed });
  await session.release();
  return result.output!.data as Float32Array;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const scale = () => Math.max(1, ...Array.from(expected, Math.abs));

describe("resnet-blocks export", () => {
  it("from torchvision safetensors with --depth and --preset: onnxruntime gives tfjs's logits; metadata names the preset and the file", async () => {
    const out = join(dir, "from-safetensors.onnx");
    const result = await cli("export", weightsPath, out, "--depth", "18", "--preset", "torchvision", "--input", "32");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^wrote .*from-safetensors\.onnx \(\d+ bytes\): opset 17, input input \[batch, 3, 32, 32\] NCHW, output output \[batch, 10\], \d+ weights loaded\n$/);
    expect(result.out).toContain(`, ${model.weights.length} weights loaded`);
    expect(maxDiff(await runOnnx(out, "NCHW"), expected)).toBeLessThanOrEqual(1e-4 * scale());
    const metadata = Object.fromEntries(decodeOnnx(readFileSync(out)).metadataProps!.map((p) => [p.key, p.value]));
    expect(metadata).toMatchObject({ preset: "torchvision", weights: "resnet18.safetensors", batch_norm: "kept" });
  });

  it("from a TensorFlow.js model.json, NHWC, batch norm folded, opset 13", async () => {
    const out = join(dir, "from-json.onnx");
    const result = await cli("export", modelJson, out, "--layout", "NHWC", "--fold-bn", "--opset", "13", "--name", "r18-test");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(maxDiff(await runOnnx(out, "NHWC"), expected)).toBeLessThanOrEqual(1e-4 * scale());
    const decoded = decodeOnnx(readFileSync(out));
    expect(decoded.opsetImport[0]!.version).toBe(13);
    expect(decoded.graph.node.some((n) => n.opType === "BatchNormalization")).toBe(false);
    expect(decoded.metadataProps!.find((p) => p.key === "name")!.value).toBe("r18-test");
  });

  it("refuses flag mistakes with exit code 2 before loading anything, naming the flag", async () => {
    const out = join(dir, "never.onnx");
    const cases: Array<[string[], RegExp]> = [
      [["export", weightsPath, out], /--depth is required for a safetensors input: one of 18, 34, 50, 101, 152/],
      [["export", modelJson, out, "--depth", "18"], /--depth describes a net built from safetensors; a model.json already holds its net/],
      [["export", weightsPath, out, "--depth", "18", "--opset", "22"], /--opset must be a whole number from 13 to 21; got "22"/],
      [["export", weightsPath, out, "--depth", "18", "--layout", "CHW"], /--layout must be one of "NCHW", "NHWC"; got "CHW"/],
      [["export", "weights.bin", out, "--depth", "18"], /the input must be a TensorFlow.js model.json or a .safetensors file; got "weights.bin"/],
      [["export", weightsPath, join(dir, "x.pb"), "--depth", "18"], /<out.onnx> must end in .onnx; got/],
    ];
    for (const [argv, message] of cases) {
      const result = await cli(...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.err).toMatch(message);
      expect(result.err).toMatch(/Run resnet-blocks export --help for usage/);
    }
    expect(existsSync(out)).toBe(false);
    const help = await cli("export", "--help");
    expect(help.out).toMatch(/^resnet-blocks export <model.json \| weights.safetensors> <out.onnx>/);
  });

  it("an existing output is kept without --force; a failed export with --force leaves it as it was, with no temporary file", async () => {
    const out = join(dir, "kept", "model.onnx");
    expect((await cli("export", weightsPath, out, "--depth", "18", "--preset", "torchvision", "--input", "32")).code).toBe(0);
    const before = readFileSync(out);
    const refused = await cli("export", weightsPath, out, "--depth", "18", "--preset", "torchvision", "--input", "32");
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/model\.onnx exists; export writes a new file, or replaces it with --force/);
    // ResNet-34 does not fit ResNet-18's weights: the export fails after the check, before writing.
    const failed = await cli("export", weightsPath, out, "--depth", "34", "--preset", "torchvision", "--input", "32", "--force");
    expect(failed.code).not.toBe(0);
    expect(failed.err).toMatch(/resnet-blocks: /);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(join(dir, "kept"))).toEqual(["model.onnx"]);
    const replaced = await cli("export", weightsPath, out, "--depth", "18", "--preset", "torchvision", "--input", "32", "--fold-bn", "--force");
    expect(replaced.code).toBe(0);
    expect(readFileSync(out).equals(before)).toBe(false);
    expect(readdirSync(join(dir, "kept"))).toEqual(["model.onnx"]);
  });
});
