/// <reference types="vite/client" />
// Register the backends this page may use. Each import pulls one tfjs backend into the bundle.
import "resnet-blocks/backends/webgpu";
import "resnet-blocks/backends/webgl";
import "resnet-blocks/backends/wasm";
import "resnet-blocks/backends/cpu";
import * as tf from "@tensorflow/tfjs-core";
import { resnet, useBackend, type BackendName } from "resnet-blocks";
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
const runButton = $<HTMLButtonElement>("run");
const status = $("status");
const reportOut = $("report");
const timeOut = $("time");

// A backend starts once per page: after the first choice, reload the page to switch.
let chosen: string | null = null;

async function run(): Promise<void> {
  runButton.disabled = true;
  try {
    const preference = backendSelect.value as "auto" | BackendName;
    if (chosen !== null && chosen !== preference) {
      status.textContent = `The backend is already chosen (${chosen}); reload the page to try another.`;
      return;
    }
    chosen = preference;
    status.textContent = "Starting the backend...";
    const report = await useBackend(preference, { wasmPaths });
    reportOut.textContent = JSON.stringify(report, null, 2);

    const depth = Number(depthSelect.value) as 18 | 50;
    status.textContent = `Building ResNet-${depth}...`;
    const model = resnet({ depth });
    const x = tf.randomUniform([1, 224, 224, 3]);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      status.textContent = `Forward pass ${i + 1} of 3 on ${report.name}...`;
      const start = performance.now();
      const y = model.predict(x) as tf.Tensor;
      await y.data(); // wait for the result: GPU backends return before they finish
      times.push(performance.now() - start);
      y.dispose();
    }
    x.dispose();
    model.dispose();
    timeOut.textContent =
      `ResNet-${depth} on ${report.name}: first call ${times[0]!.toFixed(0)} ms ` +
      `(includes shader compilation or warm-up), then ${times.slice(1).map((t) => t.toFixed(0)).join(" ms, ")} ms`;
    status.textContent = "Done.";
  } catch (error) {
    status.textContent = `Failed: ${(error as Error).message}`;
  } finally {
    runButton.disabled = false;
  }
}

runButton.addEventListener("click", () => void run());
