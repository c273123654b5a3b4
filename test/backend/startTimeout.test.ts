/**
 * Every backend start has a time limit: a real tfjs backend whose factory never settles is
 * given up within `startTimeout`, with the reason ('auto' and lists go on; one name rejects),
 * and leaves tfjs usable (tf.ready() settles, the previous backend stays selected).
 */
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { BackendError, DEFAULT_START_TIMEOUT_MS, useBackend } from "../../src/backend/index.js";

tf.env().set("IS_TEST", true);

/** Registers a real tfjs backend under `name` whose start never finishes; counts the starts. */
function registerNeverStarting(name: string): { starts: number } {
  const counter = { starts: 0 };
  tf.registerBackend(name, () => {
    counter.starts++;
    return new Promise<tf.KernelBackend>(() => undefined);
  });
  return counter;
}

const LIMIT = 300;

describe("useBackend's start time limit", () => {
  it("documents a default of 30 s and checks the option", async () => {
    expect(DEFAULT_START_TIMEOUT_MS).toBe(30_000);
    await expect(useBackend("cpu", { startTimeout: 0 })).rejects.toThrow(
      new RangeError("options.startTimeout must be an integer >= 1; got 0"),
    );
    await expect(useBackend("cpu", { startTimeout: "5s" as unknown as number })).rejects.toThrow(
      new TypeError('options.startTimeout must be an integer >= 1; got "5s"'),
    );
  });

  it("a list gives up a start that never finishes, records why, and goes on to the next backend", async () => {
    const hanging = registerNeverStarting("webgl");
    const start = performance.now();
    const report = await useBackend(["webgl", "cpu"], { startTimeout: LIMIT });
    const elapsed = performance.now() - start;
    expect(hanging.starts).toBe(1);
    expect(report.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    expect(report.tried[0]).toEqual({
      name: "webgl",
      ok: false,
      reason: expect.stringMatching(/^did not finish starting within 300 ms \(options\.startTimeout\); the start was given up\. If the start is only slow .*raise options\.startTimeout/),
    });
    expect(report.tried[1]).toMatchObject({ name: "cpu", ok: true });
    expect(elapsed).toBeGreaterThanOrEqual(LIMIT - 5);
    expect(elapsed).toBeLessThan(LIMIT + 5_000); // cpu's own start included
    // tf.ready() would wait for the given-up start forever if it were still pending in tfjs.
    await tf.ready();
    expect(tf.memory().numTensors).toBe(0);
  });

  it("a single name rejects with a BackendError saying what happened and what to do, and keeps the previous backend", async () => {
    await useBackend("cpu");
    const start = performance.now();
    const error = await useBackend("webgl", { startTimeout: LIMIT }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(performance.now() - start).toBeLessThan(LIMIT + 3_000);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).message).toMatch(
      /^useBackend could not start backend 'webgl' in Node:\n {2}webgl: did not finish starting within 300 ms \(options\.startTimeout\)/,
    );
    expect((error as BackendError).tried).toEqual([{ name: "webgl", ok: false, reason: expect.stringContaining("raise options.startTimeout") }]);
    // The given-up start changed nothing: cpu is still selected and computes; tf.ready() settles.
    expect(tf.getBackend()).toBe("cpu");
    await tf.ready();
    const sum = tf.add(tf.scalar(1), tf.scalar(2));
    expect(await sum.data()).toEqual(new Float32Array([3]));
    sum.dispose();
    // And the backend can be tried again (its factory is still registered): a second, fresh start.
    expect(tf.findBackendFactory("webgl")).not.toBeNull();
  });
});
