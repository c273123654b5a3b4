/**
 * Loading the convolution kernel: whether this runtime can run it (relaxed SIMD), and one
 * instance per tfjs-backend-wasm memory.
 *
 * @module
 */
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { CONV_KERNEL_BASE64 } from "./kernelBinary.js";

/** The exported function of the kernel module; see `kernelSource.ts` for the arguments. */
export type ConvKernelFunction = (...args: number[]) => void;

let bytes: Uint8Array<ArrayBuffer> | undefined;
let supported: boolean | undefined;
const instances = new WeakMap<WebAssembly.Memory, ConvKernelFunction>();

function kernelBytes(): Uint8Array<ArrayBuffer> {
  if (!bytes) bytes = Uint8Array.from(atob(CONV_KERNEL_BASE64), (char) => char.charCodeAt(0));
  return bytes;
}

/**
 * True when this JavaScript runtime validates WebAssembly relaxed SIMD (fused multiply-add):
 * Chrome and Edge 114+, Node 22+, or Node 20 run with `--experimental-wasm-relaxed-simd`.
 */
export function hasRelaxedSimd(): boolean {
  if (supported === undefined) supported = typeof WebAssembly === "object" && WebAssembly.validate(kernelBytes());
  return supported;
}

/** The parts of the WASM backend the kernel uses beyond its public type. */
interface WasmModuleInternals {
  asm?: { memory?: unknown };
  HEAPU8?: Uint8Array;
}

/**
 * The backend's heap, or a reason it cannot be shared: the threaded build's memory is a
 * SharedArrayBuffer, which the kernel (single-threaded) does not import.
 */
export function backendMemory(backend: BackendWasm): WebAssembly.Memory | string {
  const module = backend.wasm as unknown as WasmModuleInternals;
  if (typeof SharedArrayBuffer !== "undefined" && module.HEAPU8?.buffer instanceof SharedArrayBuffer) {
    return "the WASM backend runs threads (its own multi-threaded convolutions are used)";
  }
  const memory = module.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return "this tfjs-backend-wasm build does not expose its memory";
  return memory;
}

/** The kernel instantiated on `memory` (once per memory). */
export function convKernelFor(memory: WebAssembly.Memory): ConvKernelFunction {
  let conv = instances.get(memory);
  if (!conv) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(kernelBytes()), { env: { memory } });
    conv = instance.exports.conv as ConvKernelFunction;
    instances.set(memory, conv);
  }
  return conv;
}
