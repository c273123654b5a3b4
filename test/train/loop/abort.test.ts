/**
 * Abort takes effect between two steps: train() yields to the event loop after each step,
 * so a timer that aborts, or a SIGINT handler, runs mid-run (not after the run), and the
 * state written at the abort resumes to the uninterrupted run's weights, bit for bit.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryCheckpointStore, train } from "../../../src/train/loop/index.js";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { tinyData, tinyResNet, weightValues } from "./fixtures.js";

let data: { x: tf.Tensor4D; y: tf.Tensor1D };
const recipe: TrainOptions = { batchSize: 8, seed: 4, progress: false, augment: { padCrop: 1, flip: true } };

beforeAll(async () => {
  await useTestBackend("cpu");
  data = tinyData(24, 5); // 3 steps per epoch
});
afterAll(() => tf.dispose([data.x, data.y]));

describe("abort between two steps", () => {
  it("an AbortSignal aborted from a timer mid-run stops within a step, and the state it writes resumes exactly", async () => {
    const epochs = 8; // 24 steps
    const whole = tinyResNet({ seed: 1 });
    await train(whole, data, { ...recipe, epochs });
    const expected = await weightValues(whole);
    whole.dispose();

    const store = memoryCheckpointStore();
    const controller = new AbortController();
    const first = tinyResNet({ seed: 1 });
    let steps = 0;
    let firedAt = -1;
    const before = tf.memory().numTensors;
    const history = await train(first, data, {
      ...recipe,
      epochs,
      checkpoint: store,
      signal: controller.signal,
      callbacks: {
        onBatchEnd: () => {
          steps++;
          // A timer (a macrotask), not an abort from inside the callback.
          if (steps === 4) {
            setTimeout(() => {
              firedAt = steps;
              controller.abort();
            }, 0);
          }
        },
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(firedAt, "the timer ran only after train() returned").toBeGreaterThan(0);
    expect(history.stopped?.reason).toBe("aborted");
    expect(steps - firedAt).toBeLessThanOrEqual(1);
    expect(steps).toBeLessThan(epochs * 3);
    first.dispose();

    const second = tinyResNet({ seed: 9 });
    const resumed = await train(second, data, { ...recipe, epochs, checkpoint: store, resume: true });
    expect(resumed.stopped).toBeUndefined();
    expect(await weightValues(second)).toEqual(expected);
    second.dispose();
  });

  it("timers run during a long validation too (between its batches)", async () => {
    const model = tinyResNet({ seed: 1 });
    const validation = tinyData(160, 6); // 20 batches of 8
    let ticks = 0;
    let atLastStep = -1;
    let atEpochEnd = -1;
    const interval = setInterval(() => ticks++, 1);
    try {
      await train(model, data, {
        ...recipe,
        epochs: 1,
        validation,
        callbacks: {
          onBatchEnd: ({ step }) => void (step === 2 ? (atLastStep = ticks) : undefined),
          onEpochEnd: () => void (atEpochEnd = ticks),
        },
      });
    } finally {
      clearInterval(interval);
    }
    expect(atEpochEnd - atLastStep).toBeGreaterThanOrEqual(5);
    tf.dispose([validation.x, validation.y]);
    model.dispose();
  });

  it("a SIGINT handler (process.on('SIGINT', () => controller.abort())) runs mid-run and stops it within a step or two", async () => {
    const epochs = 2000; // far longer than the test waits
    const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./sigintChild.mts", import.meta.url)), String(epochs)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let sent = false;
    child.stderr.on("data", (chunk) => (output += chunk));
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (!sent && /step 5\n/.test(output)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    clearTimeout(timer);
    expect(code, output).toBe(0);
    const handled = /sigint (\d+)/.exec(output);
    expect(handled, output).not.toBeNull();
    const stepsAtHandler = Number(handled![1]);
    const stepsAtEnd = Math.max(...[...output.matchAll(/step (\d+)/g)].map((m) => Number(m[1])));
    expect(stepsAtHandler).toBeLessThan(epochs * 2);
    expect(stepsAtEnd - stepsAtHandler).toBeLessThanOrEqual(1);
    expect(output).toMatch(/stopped \{"reason":"aborted"/);
  }, 40_000);
});
