import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { mnistDigits, type MnistPackage } from "../../../src/train/data/index.js";
import { expectNoLeak, useTestBackend } from "../../helpers/tf.js";

const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
beforeAll(() => useTestBackend("cpu"));

/** FNV-1a over an image's 784 values, to compare images cheaply. */
function fingerprint(values: Float32Array, start: number): number {
  let hash = 2166136261;
  for (let p = 0; p < 784; p++) hash = Math.imul(hash ^ Math.round(values[start + p]! * 1000), 16777619);
  return hash >>> 0;
}

describe("mnistDigits (the mnist package's digits, in a seeded order)", () => {
  it("splits the package's 10,000 digits into disjoint sets whose images and labels come from the package", async () => {
    await expectNoLeak(async () => {
      const { train, test } = mnistDigits(mnist);
      expect(train.x.shape).toEqual([8000, 28, 28, 1]);
      expect(test.x.shape).toEqual([2000, 28, 28, 1]);
      const [trainX, testX, trainY] = [await train.x.data(), await test.x.data(), await train.y.data()];
      const seen = new Set<number>();
      for (let i = 0; i < 8000; i++) seen.add(fingerprint(trainX as Float32Array, i * 784));
      let shared = 0;
      for (let i = 0; i < 2000; i++) if (seen.has(fingerprint(testX as Float32Array, i * 784))) shared++;
      expect(shared).toBe(0);
      // Every class is present in proportion (MNIST has 8.6% to 11.3% of each digit).
      const counts = Array.from({ length: 10 }, (_, d) => trainY.filter((label) => label === d).length);
      for (const count of counts) expect(count).toBeGreaterThan(600);
      // An image with label d is one of the package's images of digit d, pixel for pixel.
      for (const i of [0, 1, 4321, 7999]) {
        const label = trainY[i]!;
        const raw = Array.from(mnist[label]!.raw);
        const image = Array.from(trainX.subarray(i * 784, (i + 1) * 784));
        let found = false;
        for (let k = 0; k < raw.length && !found; k += 784) found = image.every((v, p) => Math.abs(v - raw[k + p]!) < 1e-6);
        expect(found).toBe(true);
      }
      tf.dispose([train.x, train.y, test.x, test.y]);
    });
  });

  it("gives the same sets for the same seed and other sets for another", async () => {
    const labels = (seed: number) => {
      const { train, test } = mnistDigits(mnist, { train: 50, test: 10, seed });
      const y = Array.from(train.y.dataSync());
      tf.dispose([train.x, train.y, test.x, test.y]);
      return y;
    };
    expect(labels(1)).toEqual(labels(1));
    expect(labels(1)).not.toEqual(labels(2));
  });

  it("rejects what is not the package, and more digits than it has", () => {
    expect(() => mnistDigits({} as never)).toThrow(/^pkg must be what require\("mnist"\) returns: .*; pkg\[0\]\.raw is undefined$/);
    expect(() => mnistDigits(mnist, { train: 9000, test: 2000 })).toThrow(/^train \+ test must be at most the 10000 digits of the package; got 9000 \+ 2000$/);
    expect(() => mnistDigits(mnist, { train: 0 })).toThrow(/^train must be an integer >= 1; got 0$/);
  });
});
