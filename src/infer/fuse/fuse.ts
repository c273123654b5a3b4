/**
 * `fuse(model)`: a built ResNet turned into a fast inference object.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkBoolean, checkKnownKeys, checkOptionsObject, describeValue } from "../../util/check.js";
import { requireBackend } from "../../util/requireBackend.js";
import { fastConvUnavailableReason } from "../fastConv/availability.js";
import { compilePlan, type ConvKernels, type Plan } from "./plan.js";
import type { FusedStep } from "./steps.js";
import { explainingWasmFaults } from "./wasmFault.js";

/** Options of {@link fuse}. */
export interface FuseOptions {
  /**
   * Run one prediction on zeros (batch 1) before returning, so that the backend prepares its
   * kernels now rather than on the first real call: on WASM the first call packs every
   * convolution's weights for XNNPACK, which for ResNet-50 costs more than a whole
   * prediction. Default `false`.
   */
  warmUp?: boolean;
  /**
   * Whose convolution kernels run. `"auto"` (default): resnet-blocks' own WASM kernel (an
   * implicit GEMM with fused multiply-add, 1.3-1.9x faster than tfjs-backend-wasm's XNNPACK
   * convolutions on one thread, layer by layer) where it can run, that is on the single-threaded `wasm`
   * backend in a runtime with WebAssembly relaxed SIMD (Chrome/Edge 114+, Node 22+, Node 20
   * with `--experimental-wasm-relaxed-simd`); tfjs's everywhere else. `"tfjs"`: always tfjs's
   * `tf.fused.conv2d`. `"resnet-blocks"`: always resnet-blocks' kernel; throws, saying why,
   * where it cannot run. With resnet-blocks' kernel the fused model runs on the backend that
   * was active when `fuse` was called.
   */
  kernels?: "auto" | "tfjs" | "resnet-blocks";
}

const KERNEL_CHOICES = ["auto", "tfjs", "resnet-blocks"] as const;

/** Inference object for a built ResNet, from {@link fuse}. */
export interface FusedModel {
  /**
   * Same result as `model.predict(x)` (within float32 rounding, see {@link fuse}).
   *
   * @param x Images `[batch, height, width, channels]`, float32, with the model's input size. Any
   * `tf.Tensor` is accepted; its rank and shape are checked when called.
   * @returns A new tensor that the caller owns (dispose it).
   * @throws RangeError or TypeError naming `x` if it has the wrong rank, shape or dtype; Error after {@link FusedModel.dispose}.
   */
  predict(x: tf.Tensor): tf.Tensor;
  /** Frees the prepared weights. Calling it again does nothing; `predict` throws afterwards. */
  dispose(): void;
  /** The input `[height, width, channels]` the model takes. */
  readonly inputShape: readonly [number, number, number];
  /** What runs, in order, and which of the model's layers each step computes. */
  readonly steps: readonly FusedStep[];
  /** True once {@link FusedModel.dispose} has run. */
  readonly isDisposed: boolean;
  /** Whose convolution kernels run: `"resnet-blocks"` (the WASM relaxed-SIMD kernel) or `"tfjs"`. */
  readonly kernels: ConvKernels;
}

/**
 * Turns a built ResNet (any depth, residual or plain, any preset, or any model made of the
 * blocks) into an inference object that gives the same outputs with fewer passes over memory:
 * each batch norm folded into its convolution's weights and bias
 * (w' = w·γ/√(var+ε), b' = (b − mean)·γ/√(var+ε) + β, computed in double precision), the
 * explicit zero padding taken into the convolution's (or max pool's) padding, the ReLU done by
 * the convolution kernel, the classifier as one `tf.fused.matMul`; intermediate tensors are freed
 * as soon as their last reader has run. The weights are prepared once, here, on the current
 * backend (set it first); later changes to the model's weights do not reach the fused copy.
 *
 * The graph is read from the model's layers and their inbound nodes, not from layer names.
 * Layers it handles: Conv2D, BatchNormalization, Activation and ReLU (relu, relu6, linear,
 * softmax, sigmoid, tanh), Add, ZeroPadding2D, MaxPooling2D, GlobalAveragePooling2D,
 * GlobalMaxPooling2D, Dense, Flatten, Dropout (the identity at inference) and ZeroPadShortcut;
 * a batch norm that follows no convolution runs as one `tf.batchNorm`. Any other layer fails
 * here with a TypeError naming it and its class; nothing falls back to the layer's own code.
 *
 * Outputs differ from `model.predict` only by float32 rounding, because folding reorders the
 * arithmetic: the tests hold the largest difference below 3e-5 of the output's largest
 * magnitude (1e-6 to 5e-6 is typical) for ResNet-18 and -50, plain-34, option-A and -C shortcuts,
 * all presets, with randomised weights and batch-norm statistics, on the cpu and wasm
 * backends.
 *
 * The convolution kernel (see {@link FuseOptions.kernels}): on the single-threaded `wasm`
 * backend in an engine with WebAssembly relaxed SIMD, resnet-blocks' own (an implicit GEMM
 * with fused multiply-adds that also adds the residual and applies the ReLU before storing);
 * ResNet-50 then runs 1.7 to 2.7x faster than `model.predict` on one thread (`npm run bench`).
 * Elsewhere `tf.fused.conv2d` with bias and activation, the residual add and its ReLU as two
 * ops: 1.06 to 1.2x, the convolutions (the same XNNPACK kernels either way) being most of the
 * time.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { resnet50, fuse } from "resnet-blocks";
 *
 * const model = resnet50();
 * const fast = fuse(model, { warmUp: true });
 * const probs = fast.predict(tf.zeros([1, 224, 224, 3])); // [1, 1000], as model.predict gives
 * probs.dispose();
 * fast.dispose();
 * ```
 * @param model A built tfjs-layers model with one image input of fixed size and one output.
 * @param options See {@link FuseOptions}.
 * @throws TypeError naming the layer and its class if the model has a layer it cannot run;
 * TypeError if the model is not one input, one output, or its input size is not fixed;
 * TypeError or RangeError for bad options.
 */
export function fuse(model: tfl.LayersModel, options: FuseOptions = {}): FusedModel {
  checkOptionsObject("options", options);
  checkKnownKeys(options, ["warmUp", "kernels"], "fuse");
  const warmUp = checkBoolean("options.warmUp", options.warmUp ?? false);
  requireBackend("fuse(model)");
  const kernels = chooseKernels(options.kernels ?? "auto");
  const plan = explainingWasmFaults("fuse(model)", () => compilePlan(model, kernels));
  const [height, width, channels] = plan.inputShape as [number, number, number]; // fixed: compilePlan checks
  const fused = new FusedRunner(plan, [height, width, channels], kernels);
  if (warmUp) tf.tidy(() => void fused.predict(tf.zeros([1, height, width, channels])));
  return fused;
}

class FusedRunner implements FusedModel {
  readonly inputShape: readonly [number, number, number];
  readonly steps: readonly FusedStep[];
  private plan: Plan | null;
  /** Per step: the slots whose last reader it is. */
  private readonly frees: readonly number[][];

  /** The backend the resnet-blocks kernel was prepared for; null with tfjs kernels. */
  private readonly boundBackend: string | null;

  constructor(
    plan: Plan,
    inputShape: [number, number, number],
    readonly kernels: ConvKernels,
  ) {
    this.plan = plan;
    this.boundBackend = kernels === "resnet-blocks" ? tf.getBackend() : null;
    this.inputShape = inputShape;
    this.steps = plan.steps.map(({ kind, layers }) => ({ kind, layers }));
    const lastReader = new Map<number, number>();
    plan.steps.forEach((step, index) => step.inputs.forEach((slot) => lastReader.set(slot, index)));
    this.frees = plan.steps.map(() => []);
    for (const [slot, index] of lastReader) {
      if (slot !== 0 && slot !== plan.outputSlot) this.frees[index]!.push(slot);
    }
  }

  get isDisposed(): boolean {
    return this.plan === null;
  }

  predict(x: tf.Tensor): tf.Tensor {
    const plan = this.plan;
    if (!plan) throw new Error("FusedModel.predict: this fused model was disposed; call fuse(model) again");
    checkInput(x, this.inputShape);
    if (this.boundBackend !== null && tf.getBackend() !== this.boundBackend) {
      throw new Error(
        `FusedModel.predict: this model runs resnet-blocks' ${this.boundBackend} kernel but the active backend is now '${tf.getBackend()}'; ` +
          `call fuse(model) again, or fuse(model, { kernels: "tfjs" }) for a model that follows the backend`,
      );
    }
    return explainingWasmFaults(`FusedModel.predict of ${x.shape[0]} images`, () => this.run(plan, x));
  }

  private run(plan: Plan, x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const values: (tf.Tensor | undefined)[] = new Array(plan.slots);
      values[0] = x;
      plan.steps.forEach((step, index) => {
        const inputs = step.inputs.map((slot) => values[slot]!);
        // Each step in its own scope, so a chain (add then ReLU) frees its middle at once.
        values[step.output] = tf.tidy(() => step.run(inputs));
        for (const slot of this.frees[index]!) {
          values[slot]!.dispose();
          values[slot] = undefined;
        }
      });
      return values[plan.outputSlot]!;
    });
  }

  dispose(): void {
    if (!this.plan) return;
    for (const weight of this.plan.weights) weight.dispose();
    this.plan = null;
  }
}

function chooseKernels(choice: unknown): ConvKernels {
  if (!KERNEL_CHOICES.includes(choice as (typeof KERNEL_CHOICES)[number])) {
    throw new TypeError(`options.kernels must be one of ${KERNEL_CHOICES.map((k) => `"${k}"`).join(", ")}; got ${describeValue(choice)}`);
  }
  if (choice === "tfjs") return "tfjs";
  const unavailable = fastConvUnavailableReason();
  if (unavailable === null) return "resnet-blocks";
  if (choice === "auto") return "tfjs";
  throw new Error(`options.kernels is "resnet-blocks" but resnet-blocks' convolution kernel cannot run here: ${unavailable}`);
}

function checkInput(x: unknown, [height, width, channels]: readonly [number, number, number]): void {
  const expected = `[batch, ${height}, ${width}, ${channels}]`;
  const isTensor = typeof x === "object" && x !== null && "dataId" in x && Array.isArray((x as tf.Tensor).shape);
  if (!isTensor) {
    throw new TypeError(`x must be a float32 tf.Tensor4D of shape ${expected}; got ${describeValue(x)}`);
  }
  const tensor = x as tf.Tensor;
  if (tensor.isDisposed) throw new TypeError("x must be a live tensor; got a disposed one");
  const shape = tensor.shape;
  if (shape.length !== 4 || shape[0]! < 1 || shape[1] !== height || shape[2] !== width || shape[3] !== channels) {
    const rank = shape.length === 4 ? "" : `, a rank-${shape.length} tensor (rank 4 is needed)`;
    throw new RangeError(`x must have shape ${expected} with batch >= 1; got ${describeValue(shape)}${rank}`);
  }
  if (tensor.dtype !== "float32") {
    throw new TypeError(`x must be float32; got dtype ${describeValue(tensor.dtype)} (cast it with tf.cast(x, "float32"))`);
  }
}
