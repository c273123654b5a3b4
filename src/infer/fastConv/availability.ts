/**
 * Whether {@link fuse} can use resnet-blocks' convolution kernel with the current backend.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { registerFastConvKernel } from "./convKernel.js";
import { backendMemory, hasRelaxedSimd } from "./runtime.js";

/**
 * Null when the kernel can run on the active backend (and registers it), otherwise why not:
 * it needs the `wasm` backend, single-threaded, in a runtime with WebAssembly relaxed SIMD.
 */
export function fastConvUnavailableReason(): string | null {
  const backendName = tf.getBackend();
  if (backendName !== "wasm") return `the active backend is '${backendName}', not 'wasm'`;
  if (!hasRelaxedSimd()) {
    return "this runtime lacks WebAssembly relaxed SIMD (Chrome/Edge 114+, Node 22+, or Node 20 with --experimental-wasm-relaxed-simd)";
  }
  const memory = backendMemory(tf.backend() as BackendWasm);
  if (typeof memory === "string") return memory;
  registerFastConvKernel();
  return null;
}
