/**
 * Calls into kernels the WASM backend already has, from inside another kernel: the kernel
 * functions are looked up in the registry at call time and called with the backend directly,
 * so intermediates are backend data ids (no engine tensors) and are freed with `free`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** The backend name the WASM backend registers its kernels under. */
export const WASM = "wasm";

/** Runs the `wasm` kernel `name` on `backend` and returns its single output. */
export function runWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, WASM);
  if (kernel == null) throw new Error(`resnet-blocks training kernels need the wasm kernel '${name}', which is not registered`);
  return kernel.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

/** Releases intermediates created by {@link runWasmKernel}. */
export function free(backend: BackendWasm, infos: readonly tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A new float32 tensor of zeros on the wasm heap. */
export function zeros(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, "float32");
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}
