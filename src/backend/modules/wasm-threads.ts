/**
 * `resnet-blocks/backends/wasm-threads` (Node only): registers TensorFlow.js's WebAssembly
 * backend like `resnet-blocks/backends/wasm`, and lets `useBackend("wasm", { threads })`
 * run it on several threads in Node, which tfjs-backend-wasm does not do by itself. Opt-in
 * and experimental: it starts tfjs's threaded SIMD binary with its pthread workers on
 * `worker_threads` (see {@link startWasmWithThreads} for what that takes and what it restores).
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/wasm-threads";
 * import { useBackend } from "resnet-blocks";
 * const report = await useBackend("wasm", { threads: 2 }); // report.threads === 2
 * ```
 * @module
 */
import { getThreadsCount, setThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { registerBackendModule } from "../registry.js";
import { startWasmWithThreads } from "../nodeThreads/index.js";

export { startWasmWithThreads, MAX_WASM_THREADS, type WasmThreads, type WasmThreadsOptions } from "../nodeThreads/index.js";

registerBackendModule({
  name: "wasm",
  packageName: "@tensorflow/tfjs-backend-wasm",
  wasm: { setWasmPaths, setThreadsCount, getThreadsCount },
  startThreads: startWasmWithThreads,
});
