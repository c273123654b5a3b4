/**
 * The options of {@link toOnnx}, their defaults and their checks (made before any work).
 *
 * @module
 */
import { checkBoolean, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../util/check.js";

/** Input layouts of the exported graph. */
export const ONNX_INPUT_LAYOUTS = ["NCHW", "NHWC"] as const;

/** Layout of the exported graph's input: `'NCHW'` (onnxruntime's and PyTorch's) or `'NHWC'` (tfjs's). */
export type OnnxInputLayout = (typeof ONNX_INPUT_LAYOUTS)[number];

/**
 * Default opset of the default ("ai.onnx") domain: 17. Every operator written (Conv,
 * BatchNormalization, Relu, MaxPool, Add, Sum, Slice, Pad, GlobalAveragePool,
 * GlobalMaxPool, Flatten, Gemm, Softmax, Transpose, Identity) has had its present form
 * since opset 13; 17 is the opset torch.onnx.export writes by default, which
 * onnxruntime (native, -node and -web) reads since 1.11 and every Triton release since
 * 22.04 (its ONNX backend is onnxruntime).
 */
export const DEFAULT_ONNX_OPSET = 17;

/** Opsets accepted: 13 (Softmax over one axis, Pad and Slice with tensor inputs) to 21. */
export const ONNX_OPSET_RANGE: {
  /** Lowest opset accepted. */
  readonly min: 13;
  /** Highest opset accepted. */
  readonly max: 21;
} = { min: 13, max: 21 };

/** Options of {@link toOnnx}. All are optional. */
export interface ToOnnxOptions {
  /**
   * Layout of the graph's input `input`: `'NCHW'` (default: `[batch, channels, height,
   * width]`, as onnxruntime's and PyTorch's ResNets take it) or `'NHWC'` (`[batch, height,
   * width, channels]`, tfjs's; the graph starts with a Transpose). A 4-D output (a net
   * without the top and pooling) comes out in the same layout.
   */
  inputLayout?: OnnxInputLayout;
  /** Opset of the default domain, {@link ONNX_OPSET_RANGE}. Default {@link DEFAULT_ONNX_OPSET}. */
  opset?: number;
  /**
   * Fold each batch norm into the convolution before it (weights and bias rescaled, in
   * float64, then rounded to float32). Default `false`: BatchNormalization nodes are kept,
   * as torch.onnx.export keeps them (onnxruntime folds them itself when it loads the file).
   */
  foldBatchNorm?: boolean;
  /** Model name in `metadata_props` (`name`) and as the graph's name. Default the tfjs model's name. */
  name?: string;
  /** The preset the net was built with (`paper`, `keras`, `torchvision`), written as `preset`. Omitted when not given. */
  preset?: string;
  /** Where the weights came from (`timm/resnet50.a1_in1k`, `trained on CIFAR-10`, a file name), written as `weights`. */
  weights?: string;
  /** Further `metadata_props` entries, written after the others. */
  metadata?: Readonly<Record<string, string>>;
}

/** The options with their defaults, checked. */
export interface ResolvedOnnxOptions {
  inputLayout: OnnxInputLayout;
  opset: number;
  foldBatchNorm: boolean;
  name: string | undefined;
  preset: string | undefined;
  weights: string | undefined;
  metadata: [string, string][];
}

const OPTION_KEYS = ["inputLayout", "opset", "foldBatchNorm", "name", "preset", "weights", "metadata"];

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws TypeError or RangeError naming the option, its value and what is accepted.
 */
export function resolveOnnxOptions(options: ToOnnxOptions | undefined): ResolvedOnnxOptions {
  if (options === undefined) options = {};
  checkOptionsObject("options", options);
  checkKnownKeys(options, OPTION_KEYS, "toOnnx");
  const opset = options.opset ?? DEFAULT_ONNX_OPSET;
  if (!Number.isInteger(opset) || opset < ONNX_OPSET_RANGE.min || opset > ONNX_OPSET_RANGE.max) {
    throw new RangeError(`options.opset must be an integer from ${ONNX_OPSET_RANGE.min} to ${ONNX_OPSET_RANGE.max}; got ${describeValue(opset)}`);
  }
  const text = (key: "name" | "preset" | "weights"): string | undefined => {
    const value = options[key];
    if (value !== undefined && typeof value !== "string") throw new TypeError(`options.${key} must be a string; got ${describeValue(value)}`);
    return value;
  };
  const metadata: [string, string][] = [];
  if (options.metadata !== undefined) {
    checkOptionsObject("options.metadata", options.metadata);
    for (const [key, value] of Object.entries(options.metadata)) {
      if (typeof value !== "string") throw new TypeError(`options.metadata.${key} must be a string; got ${describeValue(value)}`);
      metadata.push([key, value]);
    }
  }
  return {
    inputLayout: checkOneOf("options.inputLayout", options.inputLayout ?? "NCHW", ONNX_INPUT_LAYOUTS),
    opset,
    foldBatchNorm: checkBoolean("options.foldBatchNorm", options.foldBatchNorm ?? false),
    name: text("name"),
    preset: text("preset"),
    weights: text("weights"),
    metadata,
  };
}

/** The IR version that goes with `opset` (onnx/helper.py's VERSION_TABLE). */
export function irVersionOf(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}
