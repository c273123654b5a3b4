/**
 * The steps a fused model runs: each one tfjs op or a short chain of them, reading and
 * writing numbered slots.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { fastConv2d } from "../fastConv/convKernel.js";

/** What a step does, for {@link FusedModel.steps}. */
export type FusedStepKind =
  | "conv"
  | "add"
  | "pad"
  | "maxPool"
  | "globalAvgPool"
  | "globalMaxPool"
  | "dense"
  | "batchNorm"
  | "activation"
  | "flatten"
  | "zeroPadShortcut";

/** One step of a fused model and the layers of the original model it stands for. */
export interface FusedStep {
  /** What the step does: `conv` is one `tf.fused.conv2d` (with the folded batch norm, bias and ReLU). */
  readonly kind: FusedStepKind;
  /** Names of the model's layers this step computes (e.g. `conv1_pad`, `conv1_conv`, `conv1_bn`, `conv1_relu`). */
  readonly layers: readonly string[];
}

/** A step as the runtime sees it. */
export interface Step extends FusedStep {
  /** Slots read. */
  readonly inputs: readonly number[];
  /** Slot written. */
  readonly output: number;
  /** Computes the output from the inputs; must not dispose them. */
  readonly run: (inputs: readonly tf.Tensor[]) => tf.Tensor;
}

/** Activations that `tf.fused.conv2d` and `tf.fused.matMul` apply in the same kernel. */
export type FusableActivation = "linear" | "relu" | "relu6";

/** Explicit padding `[[top, bottom], [left, right]]` of height and width. */
export type SpatialPadding = readonly [readonly [number, number], readonly [number, number]];

/** Padding argument of a convolution or pooling op. */
export type OpPadding = "same" | "valid" | SpatialPadding;

/** The tfjs form of a padding: explicit pads are NHWC `[[0,0],[t,b],[l,r],[0,0]]`. */
export function tfPadding(pad: OpPadding): "same" | "valid" | tf.backend_util.ExplicitPadding {
  if (typeof pad === "string") return pad;
  return [
    [0, 0],
    [pad[0][0], pad[0][1]],
    [pad[1][0], pad[1][1]],
    [0, 0],
  ];
}

/**
 * A convolution with bias and activation in one kernel; a grouped convolution (several
 * filters, one per group: tfjs has none) runs one such kernel per group on the group's slice
 * of the input channels and concatenates the groups' outputs.
 */
export function convStep(args: {
  layers: string[];
  input: number;
  output: number;
  /** The filter, or one per group. */
  filter: tf.Tensor4D | readonly tf.Tensor4D[];
  /** The bias (one per group with several filters), or `null`. */
  bias: tf.Tensor1D | readonly tf.Tensor1D[] | null;
  strides: [number, number];
  dilations: [number, number];
  pad: OpPadding;
  activation: FusableActivation;
}): Step {
  const { strides, dilations, activation } = args;
  const pad = tfPadding(args.pad);
  const conv = (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined) =>
    tf.fused.conv2d({ x, filter, strides, pad, dilations, bias, activation });
  const step = { kind: "conv" as const, layers: args.layers, inputs: [args.input], output: args.output };
  if (!Array.isArray(args.filter)) {
    const filter = args.filter as tf.Tensor4D;
    const bias = (args.bias as tf.Tensor1D | null) ?? undefined;
    return { ...step, run: ([x]) => conv(x as tf.Tensor4D, filter, bias) };
  }
  const filters = args.filter as readonly tf.Tensor4D[];
  const biases = args.bias as readonly tf.Tensor1D[] | null;
  return {
    ...step,
    run: ([x]) =>
      tf.tidy(() => {
        const slices = tf.split(x as tf.Tensor4D, filters.length, 3) as tf.Tensor4D[];
        return tf.concat(slices.map((slice, g) => conv(slice, filters[g]!, biases?.[g])), 3);
      }),
  };
}

/** What {@link fastConvStep} needs: slots, the packed weights and the geometry. */
export interface FastConvStepArgs {
  layers: string[];
  input: number;
  residual: number | null;
  output: number;
  weights: tf.Tensor1D;
  filterShape: [number, number, number, number];
  strides: [number, number];
  pad: OpPadding;
  relu: boolean;
  /** Groups of a grouped convolution; `filterShape[2]` is then the channels of one group. Default 1. */
  groups?: number;
}

/**
 * A convolution on resnet-blocks' WASM kernel: bias, an optional residual input (second
 * input slot) and ReLU applied in the same pass.
 */
export function fastConvStep(args: FastConvStepArgs): Step {
  const { weights, filterShape, strides, relu } = args;
  const groups = args.groups ?? 1;
  const pad = tfPadding(args.pad);
  const [kernelH, kernelW, groupChannels, outChannels] = filterShape;
  const fullFilterShape: [number, number, number, number] = [kernelH, kernelW, groupChannels * groups, outChannels];
  return {
    kind: "conv",
    layers: args.layers,
    inputs: args.residual === null ? [args.input] : [args.input, args.residual],
    output: args.output,
    run: ([x, residual]) => {
      const info = tf.backend_util.computeConv2DInfo(x!.shape as [number, number, number, number], fullFilterShape, strides, 1, pad);
      const geometry = {
        kernelH, kernelW, strideH: strides[0], strideW: strides[1],
        padTop: info.padInfo.top, padLeft: info.padInfo.left,
        outHeight: info.outHeight, outWidth: info.outWidth, outChannels, relu, groups,
      };
      return fastConv2d(x as tf.Tensor4D, weights, geometry, (residual as tf.Tensor4D | undefined) ?? null);
    },
  };
}

/** The sum of two or more tensors, then a ReLU when `relu` is set. */
export function addStep(args: { layers: string[]; inputs: number[]; output: number; relu: boolean }): Step {
  const sum = (xs: readonly tf.Tensor[]) => (xs.length === 2 ? tf.add(xs[0]!, xs[1]!) : tf.addN([...xs]));
  return {
    kind: "add",
    layers: args.layers,
    inputs: args.inputs,
    output: args.output,
    run: args.relu ? (xs) => tf.relu(sum(xs)) : sum,
  };
}

/** One tfjs op on one tensor. */
export function unaryStep(
  kind: FusedStepKind,
  layers: string[],
  input: number,
  output: number,
  op: (x: tf.Tensor) => tf.Tensor,
): Step {
  return { kind, layers, inputs: [input], output, run: ([x]) => op(x!) };
}

/** Keeps rows and columns 0, s, 2s, ... of an NHWC tensor. */
export function subsample(x: tf.Tensor4D, stride: number): tf.Tensor4D {
  if (stride === 1) return x.clone();
  // A 1x1 average pool copies exactly; on wasm it is ~50x faster than tf.stridedSlice.
  return tf.avgPool(x, 1, stride, "valid");
}

/** Applies an activation that the fused kernels do not take. */
export function applyActivation(name: string, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case "linear":
      return x;
    case "relu":
      return tf.relu(x);
    case "relu6":
      return tf.relu6(x);
    case "softmax":
      return tf.softmax(x);
    case "sigmoid":
      return tf.sigmoid(x);
    case "tanh":
      return tf.tanh(x);
    default:
      throw new Error(`internal: activation ${name} is not handled`);
  }
}

/** Activations {@link applyActivation} handles. */
export const SUPPORTED_ACTIVATIONS = ["linear", "relu", "relu6", "softmax", "sigmoid", "tanh"] as const;
