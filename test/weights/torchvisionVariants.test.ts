/**
 * torchvision's wide ResNets and ResNeXts: their state dicts load into our models with the
 * torchvision layout and give PyTorch's logits, computed at test time (Debian's python3-torch
 * and python3-torchvision; RESNET_BLOCKS_SKIP_TORCH=1 skips where they cannot be installed),
 * and what saveSafetensors writes loads back into torchvision with strict=True.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnext50_32x4d, wideResnet50_2 } from "../../src/models/resnet.js";
import { loadSafetensors, saveSafetensors } from "../../src/weights/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { findTorchPython, GENERATOR, readTorchIo, relativeError } from "./helpers.js";

const run = promisify(execFile);
const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";

const SIZE = [64, 48] as const;
const CASES = [
  { arch: "wide_resnet50_2", build: wideResnet50_2 },
  { arch: "resnext50_32x4d", build: resnext50_32x4d },
] as const;

/** Relative error allowed: max |ours - torch| / max |torch| over all logits, as for the Table 1 nets. */
const TOLERANCE = 1e-4;

let dir: string;


describe.skipIf(skip)("torchvision's wide_resnet50_2 and resnext50_32x4d weights give torchvision's logits", () => {
  beforeAll(async () => {
    if (!python) {
      throw new Error("these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    }
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-torchvision-variants-"));
    for (const { arch } of CASES) {
      await run(python, [GENERATOR, "model", "--depth", "50", "--arch", arch, "--batch", "2", "--size", `${SIZE[0]}`, `${SIZE[1]}`, "--out", dir]);
    }
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of ["cpu", "wasm"] as const) {
    it.each(CASES)(`${backend}: $arch, input 2x3x${SIZE[0]}x${SIZE[1]}, within 1e-4 relative`, async ({ arch, build }) => {
      await useTestBackend(backend);
      const before = tf.memory().numTensors;
      const model = build({ inputShape: [SIZE[0], SIZE[1], 3] });
      const result = loadSafetensors(model, readFileSync(join(dir, `${arch}.safetensors`)), { layout: "torchvision" });
      expect(result.loaded).toBe(model.weights.length);
      expect(result.ignored.every((name) => name.endsWith("num_batches_tracked"))).toBe(true);
      const { input, logits } = readTorchIo(dir, arch);
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
    const model = resnext50_32x4d({ inputShape: [SIZE[0], SIZE[1], 3] });
    loadSafetensors(model, readFileSync(join(dir, "resnext50_32x4d.safetensors")), { layout: "torchvision" });
    const path = join(dir, "resnext50_32x4d.ours.safetensors");
    writeFileSync(path, await saveSafetensors(model, { layout: "torchvision" }));
    model.dispose();
    const { stdout } = await run(python!, [GENERATOR, "check", "--depth", "50", "--arch", "resnext50_32x4d", "--weights", path, "--io", join(dir, "resnext50_32x4d.io.safetensors")]);
    const report = JSON.parse(stdout) as { strict: string; relative: number };
    expect(report.strict).toBe("<All keys matched successfully>");
    expect(report.relative).toBeLessThan(1e-6);
  });
});
