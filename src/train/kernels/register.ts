/**
 * Registration of the WASM training kernels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { checkBoolean, checkKnownKeys, checkOptionsObject } from "../../util/check.js";
import { conv2DBackpropFilterConfig } from "./conv2dBackpropFilter.js";
import { conv2DBackpropInputFast } from "./conv2dBackpropInput.js";
import { tileBlocks } from "./tile.js";
import { WASM } from "./wasmBackend.js";

/** Options of {@link registerWasmTrainingKernels}. */
export interface WasmTrainingKernelOptions {
  /**
   * Also replace kernels that tfjs-backend-wasm 4.22 has but runs slowly in training (see
   * {@link REPLACEABLE_WASM_KERNELS}) with faster ones giving the same results (`Tile`
   * exactly, `Conv2DBackpropInput` within float32 rounding). Inputs a replacement does not
   * handle (NCHW data, string tensors) still go to the backend's own kernel. Default `false`:
   * then no kernel the backend already has is replaced. Not undone by later calls.
   */
  replaceSlowKernels?: boolean;
}

/** Kernels that tfjs-backend-wasm 4.22 lacks to train this library's ResNets; registered where missing. */
export const MISSING_WASM_KERNELS: readonly string[] = [tf.Conv2DBackpropFilter];

/**
 * Kernels that tfjs-backend-wasm 4.22 has but that dominate a ResNet training step; replaced
 * only with `replaceSlowKernels: true`. `Conv2DBackpropInput`: a plain loop, 5 to 10 times
 * slower than the XNNPACK forward convolution; `Tile`: per-element index arithmetic, which
 * the batch-norm gradient runs on every activation.
 */
export const REPLACEABLE_WASM_KERNELS: readonly string[] = [tf.Conv2DBackpropInput, tf.Tile];

type FastKernel = (args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }) => tf.TensorInfo | null;

const FAST_KERNELS: Record<string, FastKernel> = {
  [tf.Conv2DBackpropInput]: conv2DBackpropInputFast as unknown as FastKernel,
  [tf.Tile]: tileBlocks as unknown as FastKernel,
};

/** Configs registered by this module as replacements, so a second call leaves them alone. */
const replacements = new WeakSet<tf.KernelConfig>();

function replaceWithFallback(kernelName: string): void {
  const original = tf.getKernel(kernelName, WASM);
  if (original == null || replacements.has(original)) return;
  const fast = FAST_KERNELS[kernelName]!;
  const config: tf.KernelConfig = {
    kernelName,
    backendName: WASM,
    // The original's setup still runs when the backend starts after this call: the fallback needs it.
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => fast(args as Parameters<FastKernel>[0]) ?? original.kernelFunc(args),
  };
  replacements.add(config);
  tf.unregisterKernel(kernelName, WASM);
  tf.registerKernel(config);
}

/**
 * Registers, for the `wasm` backend, the kernels it lacks to train ResNets
 * ({@link MISSING_WASM_KERNELS}: at tfjs 4.22, `Conv2DBackpropFilter`, built on the backend's
 * XNNPACK `Conv2D`). Each is registered only where the backend has none, so a tfjs that ships
 * its own keeps it. With `replaceSlowKernels: true` it also swaps in faster versions of
 * {@link REPLACEABLE_WASM_KERNELS}. Idempotent; works before or after the WASM backend is
 * initialised (kernels are registered by backend name).
 *
 * @example
 * ```ts
 * import "@tensorflow/tfjs-backend-wasm";
 * registerWasmTrainingKernels({ replaceSlowKernels: true });
 * await tf.setBackend("wasm");
 * model.trainOnBatch(images, labels); // convolution gradients now run on wasm
 * ```
 * @throws TypeError for an options argument that is not an options object or has unknown keys.
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): void {
  checkOptionsObject("options", options);
  checkKnownKeys(options, ["replaceSlowKernels"], "registerWasmTrainingKernels");
  const replaceSlowKernels = checkBoolean("replaceSlowKernels", options.replaceSlowKernels ?? false);
  if (tf.getKernel(tf.Conv2DBackpropFilter, WASM) == null) tf.registerKernel(conv2DBackpropFilterConfig);
  if (replaceSlowKernels) REPLACEABLE_WASM_KERNELS.forEach(replaceWithFallback);
}
