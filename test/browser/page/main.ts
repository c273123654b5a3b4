/// <reference types="vite/client" />
// The browser test page: imports the built package exactly as an app would, and exposes a
// small harness on `window` that the Playwright tests drive.
import "resnet-blocks/backends/webgpu";
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import "resnet-blocks/backends/cpu";
import * as tf from "@tensorflow/tfjs-core";
import { fuse, resnet, useBackend, type BackendPreference, type BackendReport, type UseBackendOptions } from "resnet-blocks";
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";
import { BATCH, SIZE, inputValues, modelOptions } from "./fixtures.js";
import { runModel } from "./run.js";

export type { RunResult } from "./run.js";

/** The Vite recipe of docs/backends.md: let Vite emit the binaries and pass their URLs. */
const wasmPaths = {
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
};

type Outcome = { ok: true; report: BackendReport } | { ok: false; message: string; tried: unknown };

const harness = {
  wasmPaths,
  async useBackend(preference?: BackendPreference, options?: UseBackendOptions): Promise<Outcome> {
    try {
      return { ok: true, report: await useBackend(preference, options) };
    } catch (error) {
      return { ok: false, message: (error as Error).message, tried: (error as { tried?: unknown }).tried };
    }
  },
  /** Builds a seeded ResNet, runs it `calls` times on the fixed batch, disposes everything. */
  run: runModel,
  /** Builds a seeded ResNet, runs `fuse(model)` (default options) once on the fixed batch, disposes everything. */
  async runFused(depth: 18 | 50, batch = BATCH, size = SIZE): Promise<{ logits: number[]; kernels: string; tensorsLeft: number }> {
    const before = tf.memory().numTensors;
    const model = resnet({ ...modelOptions(depth), inputShape: [size, size, 3] });
    const fused = fuse(model);
    const x = tf.tensor4d(inputValues(batch, size), [batch, size, size, 3]);
    const y = fused.predict(x);
    const logits = Array.from(await y.data());
    const kernels = fused.kernels;
    tf.dispose([x, y]);
    fused.dispose();
    model.dispose();
    return { logits, kernels, tensorsLeft: tf.memory().numTensors - before };
  },
  numTensors(): number {
    return tf.memory().numTensors;
  },
  resourceNames(): string[] {
    return performance.getEntriesByType("resource").map((e) => e.name);
  },
};

declare global {
  interface Window {
    harness: typeof harness;
  }
}

window.harness = harness;
document.getElementById("status")!.textContent = "ready";
