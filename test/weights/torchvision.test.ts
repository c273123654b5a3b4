/**
 * torchvision's logits, computed by PyTorch at test time, against ours on the cpu and wasm
 * backends: ResNet-18 and -50, and torchvision's wide_resnet50_2 and resnext50_32x4d. Needs Debian's python3-torch and python3-torchvision (set
 * RESNET_BLOCKS_SKIP_TORCH=1 to skip where they cannot be installed).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet, resnext50_32x4d, wideResnet50_2 } from "../../src/models/resnet.js";
import { loadSafetensors, saveSafetensors } from "../../src/weights/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { findTorchPython, GENERATOR, readTorchIo, relativeError } from "./helpers.js";

const run = promisify(execFile);
const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";

/** The nets compared: ResNet-18 stored as float16 (batch 2, odd sizes), ResNet-50 as float32. */
const CASES = [
  { depth: 18, dtype: "F16", batch: 2, size: [97, 83], label: "float16 weights, input 2x3x97x83" },
  { depth: 50, dtype: "F32", batch: 1, size: [112, 112], label: "float32 weights, input 1x3x112x112" },
] as const;

/** Relative error allowed: max |ours - torch| / max |torch| over all logits. */
const TOLERANCE = 1e-4;

let dir: string;


describe.skipIf(skip)("torchvision weights give torchvision's logits", () => {
  beforeAll(async () => {
    if (!python) {
      throw new Error(
        "these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)",
      );
    }
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-torchvision-"));
    await Promise.all(
      CASES.map(({ depth, dtype, batch, size }) =>
        run(python, [GENERATOR, "model", "--depth", `${depth}`, "--dtype", dtype, "--batch", `${batch}`, "--size", `${size[0]}`, `${size[1]}`, "--out", dir]),
      ),
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it.each(CASES)(`${backend}: ResNet-$depth ($label) within 1e-4 relative`, async ({ depth, size }) => {
      await useTestBackend(backend);
      const before = tf.memory().numTensors;
      const model = resnet({ depth, preset: "torchvision", inputShape: [size[0], size[1], 3] });
      const result = loadSafetensors(model, readFileSync(join(dir, `resnet${depth}.safetensors`)), { layout: "torchvision" });
      expect(result.loaded).toBe(model.weights.length);
      expect(result.ignored.every((name) => name.endsWith("num_batches_tracked"))).toBe(true);
      const { input, logits } = readTorchIo(dir, `resnet${depth}`);
      const output = model.predict(input) as tf.Tensor;
      expect(output.shape).toEqual([input.shape[0], 1000]);
      const error = relativeError(await output.data(), logits);
      console.log(`${backend} resnet${depth}: max|ours - torch| / max|torch| = ${error.toExponential(2)}`);
      expect(error).toBeLessThan(TOLERANCE);
      tf.dispose([input, output]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("PyTorch loads what saveSafetensors writes (strict) and gives the same logits", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, preset: "torchvision", inputShape: [97, 83, 3] });
    loadSafetensors(model, readFileSync(join(dir, "resnet18.safetensors")), { layout: "torchvision" });
    const path = join(dir, "resnet18.ours.safetensors");
    writeFileSync(path, await saveSafetensors(model, { layout: "torchvision" }));
    model.dispose();
    const { stdout } = await run(python!, [GENERATOR, "check", "--depth", "18", "--weights", path, "--io", join(dir, "resnet18.io.safetensors")]);
    const report = JSON.parse(stdout) as { strict: string; relative: number };
    expect(report.strict).toBe("<All keys matched successfully>");
    // The same float32 weights in the same PyTorch: the logits are the reference ones.
    expect(report.relative).toBeLessThan(1e-6);
  });
});

/** torchvision's wide ResNet and ResNeXt, at a small input (their weights do not depend on it). */
const VARIANT_SIZE = [64, 48] as const;
const VARIANT_CASES = [
  { arch: "wide_resnet50_2", build: wideResnet50_2 },
  { arch: "resnext50_32x4d", build: resnext50_32x4d },
] as const;
let variantDir: string;

describe.skipIf(skip)("torchvision's wide_resnet50_2 and resnext50_32x4d weights give torchvision's logits", () => {
  beforeAll(async () => {
    if (!python) {
      throw new Error("these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    }
    variantDir = mkdtempSync(join(tmpdir(), "resnet-blocks-torchvision-variants-"));
    for (const { arch } of VARIANT_CASES) {
      await run(python, [GENERATOR, "model", "--depth", "50", "--arch", arch, "--batch", "2", "--size", `${VARIANT_SIZE[0]}`, `${VARIANT_SIZE[1]}`, "--out", variantDir]);
    }
  }, 300_000);

  afterAll(() => {
    if (variantDir) rmSync(variantDir, { recursive: true, force: true });
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it.each(VARIANT_CASES)(`${backend}: $arch, input 2x3x${VARIANT_SIZE[0]}x${VARIANT_SIZE[1]}, within 1e-4 relative`, async ({ arch, build }) => {
      await useTestBackend(backend);
      const before = tf.memory().numTensors;
      const model = build({ inputShape: [VARIANT_SIZE[0], VARIANT_SIZE[1], 3] });
      const result = loadSafetensors(model, readFileSync(join(variantDir, `${arch}.safetensors`)), { layout: "torchvision" });
      expect(result.loaded).toBe(model.weights.length);
      expect(result.ignored.every((name) => name.endsWith("num_batches_tracked"))).toBe(true);
      const { input, logits } = readTorchIo(variantDir, arch);
      const output = model.predict(input) as tf.Tensor;
      const error = relativeError(await output.data(), logits);
      console.log(`${backend} ${arch}: max|ours - torch| / max|torch| = ${error.toExponential(2)}`);
      expect(error).toBeLessThan(TOLERANCE);
      tf.dispose([input, output]);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("PyTorch loads what saveSafetensors writes for resnext50_32x4d (strict) and gives the same logits", async () => {
    await useTestBackend("wasm");
    const model = resnext50_32x4d({ inputShape: [VARIANT_SIZE[0], VARIANT_SIZE[1], 3] });
    loadSafetensors(model, readFileSync(join(variantDir, "resnext50_32x4d.safetensors")), { layout: "torchvision" });
    const path = join(variantDir, "resnext50_32x4d.ours.safetensors");
    writeFileSync(path, await saveSafetensors(model, { layout: "torchvision" }));
    model.dispose();
    const { stdout } = await run(python!, [GENERATOR, "check", "--depth", "50", "--arch", "resnext50_32x4d", "--weights", path, "--io", join(variantDir, "resnext50_32x4d.io.safetensors")]);
    const report = JSON.parse(stdout) as { strict: string; relative: number };
    expect(report.strict).toBe("<All keys matched successfully>");
    expect(report.relative).toBeLessThan(1e-6);
  });
});
