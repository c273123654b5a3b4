/**
 * Kernels that let the tfjs WASM backend train the ResNets of this library:
 * `registerWasmTrainingKernels()` adds what tfjs-backend-wasm 4.22 lacks and, on request,
 * replaces the kernels that make its training slow.
 *
 * @module
 */
export {
  registerWasmTrainingKernels,
  MISSING_WASM_KERNELS,
  REPLACEABLE_WASM_KERNELS,
  type WasmTrainingKernelOptions,
} from "./register.js";
