/**
 * createTransforms against torchvision + PIL, computed live by PyTorch
 * (test/pretrained/transforms-reference.py): PNG inputs give PyTorch's tensor bit for bit;
 * JPEG inputs differ only by decoding (jpeg-js vs libjpeg-turbo), measured and bounded.
 * Needs Debian's python3-torch, python3-torchvision, python3-pil (RESNET_BLOCKS_SKIP_TORCH=1 skips).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransforms, resolveDataConfig, type DataConfig } from "../../src/pretrained/transforms/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { findTorchPython } from "../weights/helpers.js";

const run = promisify(execFile);
const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";
const SCRIPT = new URL("./transforms-reference.py", import.meta.url).pathname;

interface Manifest {
  configs: Record<string, Record<string, unknown>>;
  images: { name: string; file: string; format: "PNG" | "JPEG"; mode: string; width: number; height: number; pil_png?: string }[];
  cases: { image: string; config: string; file: string; shape: [number, number, number] }[];
}

let dir: string;
let manifest: Manifest;

/** The reference CHW tensor as NHWC values. */
function reference(file: string, [c, h, w]: [number, number, number]): Float32Array {
  const bytes = readFileSync(file);
  const chw = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[i * c + ch] = chw[ch * h * w + i]!;
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { max: number; count: number } {
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > 0) count++;
    if (d > max) max = d;
  }
  return { max, count };
}

function configOf(name: string): DataConfig {
  return resolveDataConfig(manifest.configs[name]);
}

describe.skipIf(skip)("transforms equal torchvision/PIL's", () => {
  beforeAll(async () => {
    if (!python) throw new Error("these tests need PyTorch and PIL: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    await useTestBackend("cpu");
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-transforms-"));
    await run(python, [SCRIPT, dir], { timeout: 60_000 });
    manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  }, 90_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("PNG (RGB, L, 16-bit L, RGBA, LA, P; up- and downscaling; every crop mode and filter): bit-identical", async () => {
    const pngs = manifest.images.filter((i) => i.format === "PNG");
    expect(pngs.length).toBeGreaterThanOrEqual(6);
    let compared = 0;
    for (const configName of Object.keys(manifest.configs)) {
      const transforms = createTransforms(configOf(configName));
      const before = tf.memory().numTensors;
      // One batch of images of different sizes, given as file paths and as bytes.
      const batch = await transforms.apply(pngs.map((p, i) => (i % 2 === 0 ? p.file : new Uint8Array(readFileSync(p.file)))));
      const values = (await batch.data()) as Float32Array;
      const [, h, w] = batch.shape;
      pngs.forEach((image, i) => {
        const c = manifest.cases.find((x) => x.image === image.name && x.config === configName)!;
        expect([h, w], `${image.name} ${configName}`).toEqual(c.shape.slice(1));
        const ours = values.subarray(i * h * w * 3, (i + 1) * h * w * 3);
        const { max, count } = maxAbsDiff(ours, reference(c.file, c.shape));
        expect({ image: image.name, config: configName, differing: count, max }).toEqual({ image: image.name, config: configName, differing: 0, max: 0 });
        compared++;
      });
      batch.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(compared).toBe(pngs.length * Object.keys(manifest.configs).length);
  });

  it("JPEG: PIL's decoded pixels give PyTorch's tensor exactly; jpeg-js's decoding stays within the stated bound", async () => {
    const jpegs = manifest.images.filter((i) => i.format === "JPEG");
    expect(jpegs.length).toBeGreaterThanOrEqual(4);
    for (const configName of ["tv", "a1"]) {
      const transforms = createTransforms(configOf(configName));
      for (const image of jpegs) {
        const c = manifest.cases.find((x) => x.image === image.name && x.config === configName)!;
        const expected = reference(c.file, c.shape);
        const samePixels = await transforms.apply(image.pil_png!);
        expect(maxAbsDiff((await samePixels.data()) as Float32Array, expected).max).toBe(0);
        const decoded = await transforms.apply(image.file);
        const { max } = maxAbsDiff((await decoded.data()) as Float32Array, expected);
        const levels = max * 0.224 * 255;
        console.log(`${image.name} ${configName}: jpeg-js vs libjpeg-turbo, max |diff| = ${max.toFixed(4)} (${levels.toFixed(2)} levels of 255)`);
        expect(levels).toBeLessThanOrEqual(JPEG_BOUND_LEVELS[image.name] ?? JPEG_BOUND_LEVELS.default!);
        tf.dispose([samePixels, decoded]);
      }
    }
  });

  it("float32 0-255 pixels give PIL's mode-F resize (no rounding between passes) exactly", async () => {
    const image = manifest.images.find((i) => i.name === "rgb-300x200")!;
    const c = manifest.cases.find((x) => x.image === image.name && x.config === "a1-float")!;
    const { decodeImage } = await import("../../src/train/data/decodeImage.js");
    const { rgba, width, height } = decodeImage(new Uint8Array(readFileSync(image.file)), image.file);
    const floats = tf.tensor3d(Float32Array.from(rgba), [height, width, 4], "float32");
    const out = await createTransforms(configOf("a1")).apply(floats);
    expect(maxAbsDiff((await out.data()) as Float32Array, reference(c.file, c.shape)).max).toBe(0);
    tf.dispose([floats, out]);
  });

  it("int32 tensors of the decoded pixels (RGBA, RGB) give the same as the file; a 1-channel tensor is grey", async () => {
    const transforms = createTransforms(configOf("a1"));
    const image = manifest.images.find((i) => i.name === "rgb-300x200")!;
    const fromFile = await transforms.apply(image.file);
    const { decodeImage } = await import("../../src/train/data/decodeImage.js");
    const { rgba, width, height } = decodeImage(new Uint8Array(readFileSync(image.file)), image.file);
    const rgbaTensor = tf.tensor3d(Int32Array.from(rgba), [height, width, 4], "int32");
    const rgbTensor = tf.tidy(() => tf.slice(rgbaTensor, [0, 0, 0], [height, width, 3]));
    const grey = tf.tidy(() => tf.slice(rgbTensor, [0, 0, 0], [height, width, 1]));
    const before = tf.memory().numTensors;
    const fromTensors = await transforms.apply([rgbaTensor, rgbTensor]);
    const fromGrey = await transforms.apply(grey);
    expect(tf.memory().numTensors).toBe(before + 2);
    const a = (await fromFile.data()) as Float32Array;
    const b = (await fromTensors.data()) as Float32Array;
    expect(maxAbsDiff(a, b.subarray(0, a.length)).max).toBe(0);
    expect(maxAbsDiff(a, b.subarray(a.length)).max).toBe(0);
    // A one-channel tensor is grey: R, G and B all take the red channel's values.
    const g = (await fromGrey.data()) as Float32Array;
    const mean = [0.485, 0.456, 0.406].map(Math.fround);
    const std = [0.229, 0.224, 0.225].map(Math.fround);
    let worst = 0;
    for (let i = 0; i < g.length; i += 3) {
      const red = a[i]! * std[0]! + mean[0]!;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(g[i + c]! * std[c]! + mean[c]! - red));
    }
    expect(worst).toBeLessThan(1e-6);
    tf.dispose([fromFile, rgbaTensor, rgbTensor, grey, fromTensors, fromGrey]);
  });
});

/**
 * Largest |ours - torch| allowed for JPEG files, in levels of 255 (|diff| * 255 * 0.224, the
 * smallest std). jpeg-js's IDCT differs from libjpeg-turbo's by at most 1 level on grey and
 * 4-5 levels on colour (measured on these images' decoded pixels); its chroma upsampling of
 * 4:2:0 files is not libjpeg-turbo's "fancy" (triangle) upsampling, which on high-frequency
 * colour noise (rgb-320x240) moves single pixels by up to ~93 levels.
 */
const JPEG_BOUND_LEVELS: Record<string, number> = { default: 6, "rgb-320x240": 100 };

describe("createTransforms and resolveDataConfig refuse bad input at the call", () => {
  it("names the field and the value", () => {
    expect(() => resolveDataConfig({ interpolation: "lanczos" })).toThrow(
      'pretrainedCfg.interpolation must be one of "bilinear", "bicubic", "nearest"; got "lanczos"',
    );
    expect(() => resolveDataConfig({ pretrained_cfg: { crop_pct: -1 } })).toThrow("pretrainedCfg.pretrained_cfg.crop_pct must be a number in (0, 4]");
    expect(() => resolveDataConfig({ input_size: [1, 224, 224] })).toThrow("pretrainedCfg.input_size must be [3, height, width]");
    expect(() => resolveDataConfig({}, { std: [0.2, 0, 0.2] })).toThrow("overrides.std must be three finite numbers > 0");
    expect(() => resolveDataConfig({}, { size: 3 } as never)).toThrow("overrides.size is not a DataConfig field");
    expect(() => resolveDataConfig("resnet50")).toThrow(TypeError);
    expect(() => createTransforms({ ...resolveDataConfig({}), cropMode: "middle" } as never)).toThrow('config.cropMode must be one of "center", "squash", "border"; got "middle"');
  });

  it("resolves timm's defaults and a config.json's pretrained_cfg", () => {
    expect(resolveDataConfig(undefined)).toEqual({
      inputSize: [3, 224, 224],
      interpolation: "bicubic",
      cropPct: 0.875,
      cropMode: "center",
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    const cfg = resolveDataConfig({ architecture: "resnet50", pretrained_cfg: { input_size: [3, 288, 288], crop_pct: 1.0, interpolation: "bilinear", crop_mode: "squash", mean: null } });
    expect(cfg).toMatchObject({ inputSize: [3, 288, 288], cropPct: 1, interpolation: "bilinear", cropMode: "squash", mean: [0.485, 0.456, 0.406] });
    expect(resolveDataConfig(cfg as never, { cropPct: 0.95 }).cropPct).toBe(0.95);
  });

  it("rejects an input of the wrong kind before decoding anything, naming its index", async () => {
    await useTestBackend("cpu");
    const t = createTransforms(resolveDataConfig({}));
    const good = tf.zeros([8, 8, 3], "int32") as tf.Tensor3D;
    const twoChannels = tf.zeros([8, 8, 2]);
    const before = tf.memory().numTensors;
    await expect(t.apply([good, 42 as never])).rejects.toThrow(/images\[1\] must be a file path or PNG\/JPEG bytes .*; got 42/);
    await expect(t.apply([good, twoChannels as never])).rejects.toThrow("images[1] must be a tensor [height, width, 1|3|4]");
    await expect(t.apply([])).rejects.toThrow("images must hold at least one image");
    await expect(t.apply(new Uint8Array([1, 2, 3]))).rejects.toThrow("not a PNG or JPEG");
    await expect(t.apply("/nonexistent/cat.png")).rejects.toThrow('images: cannot read the image file "/nonexistent/cat.png"');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([good, twoChannels]);
  });
});
