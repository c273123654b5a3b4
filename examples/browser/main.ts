/// <reference types="vite/client" />
// Register the backends this page may use. Each import pulls one tfjs backend into the bundle.
import "resnet-blocks/backends/webgpu";
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import "resnet-blocks/backends/cpu";
import * as tf from "@tensorflow/tfjs-core";
import { resnet, useBackend, type BackendName, type BackendReport } from "resnet-blocks";
import { createWorkerModel } from "resnet-blocks/worker";
// Vite emits the WASM binaries as assets and gives their URLs: pass them as wasmPaths.
import wasmPlain from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url";
import wasmSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url";
import wasmThreadedSimd from "@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url";

const wasmPaths = {
  "tfjs-backend-wasm.wasm": wasmPlain,
  "tfjs-backend-wasm-simd.wasm": wasmSimd,
  "tfjs-backend-wasm-threaded-simd.wasm": wasmThreadedSimd,
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const backendSelect = $<HTMLSelectElement>("backend");
const depthSelect = $<HTMLSelectElement>("depth");
const whereSelect = $<HTMLSelectElement>("where");
const runButton = $<HTMLButtonElement>("run");
const status = $("status");
const reportOut = $("report");
const timeOut = $("time");
const stallOut = $("stall");

/**
 * The page's longest stall: a 4 ms timer notes the longest gap between its ticks. A forward
 * pass on the page's thread blocks it (and every click and animation) for the whole pass.
 */
function watchStalls(): () => number {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 4);
  return () => {
    clearInterval(timer);
    return Math.max(longest, performance.now() - last);
  };
}

/** Three forward passes of one 224x224 image in a dedicated Web Worker (a new worker per run). */
async function runInWorker(preference: "auto" | BackendName, depth: 18 | 50): Promise<{ report: BackendReport; times: number[] }> {
  status.textContent = "Starting the worker (backend, model)...";
  const worker = new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" });
  // Random weights here; pass `weights: await (await fetch(url)).arrayBuffer()` for real ones (transferred, not copied).
  const model = await createWorkerModel(worker, { model: { depth }, backend: preference, wasmPaths });
  try {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      status.textContent = `Forward pass ${i + 1} of 3 on ${model.backend.name}, in the worker...`;
      const x = new Float32Array(224 * 224 * 3).map(() => Math.random());
      const start = performance.now();
      await model.predict(x, [1, 224, 224, 3]); // x's buffer moves to the worker
      times.push(performance.now() - start);
    }
    return { report: model.backend, times };
  } finally {
    model.dispose(); // terminates the worker and its WASM threads
  }
}

// On the page's thread a backend starts once per page: after the first choice, reload the page to switch.
let chosen: string | null = null;

/** Three forward passes on the page's own thread. */
async function runOnPage(preference: "auto" | BackendName, depth: 18 | 50): Promise<{ report: BackendReport; times: number[] } | null> {
  if (chosen !== null && chosen !== preference) {
    status.textContent = `The page's backend is already chosen (${chosen}); reload the page to try another.`;
    return null;
  }
  chosen = preference;
  status.textContent = "Starting the backend...";
  const report = await useBackend(preference, { wasmPaths });
  status.textContent = `Building ResNet-${depth}...`;
  const model = resnet({ depth });
  const x = tf.randomUniform([1, 224, 224, 3]);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    status.textContent = `Forward pass ${i + 1} of 3 on ${report.name}, on the page's thread...`;
    const start = performance.now();
    const y = model.predict(x) as tf.Tensor;
    await y.data(); // wait for the result: GPU backends return before they finish
    times.push(performance.now() - start);
    y.dispose();
  }
  x.dispose();
  model.dispose();
  return { report, times };
}

async function run(): Promise<void> {
  runButton.disabled = true;
  try {
    const preference = backendSelect.value as "auto" | BackendName;
    const depth = Number(depthSelect.value) as 18 | 50;
    const inWorker = whereSelect.value === "worker";
    const stopWatching = watchStalls();
    const result = inWorker ? await runInWorker(preference, depth) : await runOnPage(preference, depth);
    const stall = stopWatching();
    if (result === null) return;
    const { report, times } = result;
    reportOut.textContent = JSON.stringify(report, null, 2);
    const where = inWorker ? "in a Web Worker" : "on the page's thread";
    timeOut.textContent =
      `ResNet-${depth} on ${report.name} ${where}: first call ${times[0]!.toFixed(0)} ms ` +
      `(includes shader compilation or warm-up), then ${times.slice(1).map((t) => t.toFixed(0)).join(" ms, ")} ms`;
    stallOut.textContent = `Longest stall of the page ${where}: ${stall.toFixed(0)} ms`;
    status.textContent = "Done.";
  } catch (error) {
    status.textContent = `Failed: ${(error as Error).message}`;
  } finally {
    runButton.disabled = false;
  }
}

runButton.addEventListener("click", () => void run());
