import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { expect } from "vitest";
import { decodeFloats, isFloatDtype } from "../../src/weights/dtypes.js";
import { decodeSafetensors } from "../../src/weights/safetensors.js";
export { relativeError } from "../helpers/relativeError.js";

/** Path of a committed fixture. */
export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/** Bytes of a committed fixture. */
export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixture(name)));
}

/** The generator of the PyTorch fixtures. */
export const GENERATOR = new URL("../../scripts/make-torchvision-fixture.py", import.meta.url).pathname;

/**
 * A Python that imports torch and torchvision (Debian: apt-get install python3-torch
 * python3-torchvision), from $PYTHON, /usr/bin/python3 or python3 on the PATH.
 */
export function findTorchPython(): string | undefined {
  const candidates = [process.env.PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => !!c);
  for (const python of candidates) {
    try {
      execFileSync(python, ["-c", "import torch, torchvision"], { stdio: "ignore" });
      return python;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Copies of every weight of `model`, by weight name (`conv1_conv/kernel`, the same in every model). */
export function snapshotWeights(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, (w.read().dataSync() as Float32Array).slice()]));
}

/** Asserts that every weight of `model` is bit-for-bit equal to `snapshot`. */
export function expectWeights(model: tfl.LayersModel, snapshot: Map<string, Float32Array>): void {
  expect(model.weights.length).toBe(snapshot.size);
  for (const w of model.weights) {
    const expected = snapshot.get(w.originalName);
    expect(expected, w.originalName).toBeDefined();
    const actual = w.read().dataSync() as Float32Array;
    if (!sameBits(actual, expected!)) expect.fail(`weight ${w.originalName} differs from the snapshot`);
  }
}

/** Whether two float arrays are equal bit for bit (NaN included). */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Overwrites every weight of `model` with zeros. */
export function zeroWeights(model: tfl.LayersModel): void {
  tf.tidy(() => {
    for (const w of model.weights) w.write(tf.zeros(w.shape as number[]));
  });
}


/**
 * The input (made NHWC for tfjs) and PyTorch's logits that the fixture scripts
 * (`make-torchvision-fixture.py model`, `make-timm-fixture.py`) wrote to
 * `<dir>/<name>.io.safetensors`, and the logits of its images where the file has them.
 */
export function readTorchIo(dir: string, name: string): { input: tf.Tensor4D; logits: Float32Array; imageLogits?: Float32Array } {
  const file = decodeSafetensors(readFileSync(join(dir, `${name}.io.safetensors`)));
  const get = (tensorName: string) => {
    const t = file.tensors.find((x) => x.name === tensorName)!;
    if (!isFloatDtype(t.dtype)) throw new Error(`${tensorName} is ${t.dtype}`);
    return { shape: t.shape, values: decodeFloats(t.dtype, t.data) };
  };
  const input = get("input");
  // PyTorch takes NCHW, tfjs NHWC.
  const nhwc = tf.tidy(() => tf.transpose(tf.tensor4d(input.values, input.shape as [number, number, number, number]), [0, 2, 3, 1]));
  const hasImages = file.tensors.some((t) => t.name === "image_logits");
  return { input: nhwc, logits: get("logits").values, ...(hasImages ? { imageLogits: get("image_logits").values } : {}) };
}
