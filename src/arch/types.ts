/**
 * Types of the resolved network description. Pure data: nothing here imports TensorFlow.js,
 * so the counters and docs tooling can use it without loading tfjs.
 *
 * @module
 */

/** The depths of Table 1 of He et al. (2015). */
export type Depth = 18 | 34 | 50 | 101 | 152;

/**
 * A bundle of conventions:
 * - `'paper'`: He et al. 2015 — stride on the first 1x1 of a bottleneck, no conv bias,
 *   projection shortcuts where the shape changes (B), He-normal kernels,
 *   batch norm with epsilon 1e-5 and momentum 0.9.
 * - `'keras'`: Keras Applications `ResNet50/101/152` exactly — conv biases, batch-norm
 *   epsilon 1.001e-5 and momentum 0.99, Glorot-uniform kernels, softmax top.
 * - `'torchvision'`: torchvision's ResNet "v1.5" — stride on the 3x3, no conv bias,
 *   batch-norm epsilon 1e-5 and momentum 0.9 (torch's 0.1), Kaiming-normal (fan-out)
 *   kernels, logits out (no softmax), as `torchvision.models.resnet50()` returns.
 */
export type Preset = "paper" | "keras" | "torchvision";

/**
 * The shortcut options of section 3.3 of the paper:
 * - `'A'`: identity; where the shape changes, subsample by the stride and zero-pad the
 *   new channels (no parameters).
 * - `'B'`: identity where the shape stays, a 1x1 projection (conv + batch norm) where it
 *   changes.
 * - `'C'`: a projection on every block.
 */
export type ShortcutOption = "A" | "B" | "C";

/** Where a downsampling bottleneck puts its stride: on the first 1x1 (paper, Keras) or on the 3x3 (torchvision). */
export type StrideIn = "1x1" | "3x3";

/** Global pooling after the last stage. `null` keeps the 4-D feature map (only without the top). */
export type Pooling = "avg" | "max" | null;

/** The activation of the final dense layer. */
export type ClassifierActivation = "softmax" | "linear";

/** How a conv or dense kernel is initialised (the bias starts at zero). */
export type KernelInitializer = "heNormal" | "glorotUniform" | "kaimingNormalFanOut" | "torchLinear";

/** The stages of Table 1; `head` is the pooling and the classifier. */
export type StageName = "conv1" | "conv2_x" | "conv3_x" | "conv4_x" | "conv5_x" | "head";

/** Height, width and channels of one example (no batch dimension). */
export type ImageShape = readonly [height: number, width: number, channels: number];

/** Options of {@link resnetSpec} and of the `resnet()` builder. Every field but `depth` is optional. */
export interface ResNetOptions {
  /** One of Table 1's depths. */
  depth: Depth;
  /** `true` (default) for the residual net, `false` for its plain twin (no shortcuts). */
  residual?: boolean;
  /** Conventions to follow; see {@link Preset}. Default `'paper'`. */
  preset?: Preset;
  /** Input height, width and channels; height and width at least 32. Default `[224, 224, 3]`. */
  inputShape?: ImageShape;
  /** Number of classes of the top. Default 1000. */
  classes?: number;
  /** Whether to end with pooling and the dense classifier. Default `true`. */
  includeTop?: boolean;
  /** Global pooling: default `'avg'`; `null` (no pooling) only without the top. */
  pooling?: Pooling;
  /** Shortcut option; default from the preset (`'B'` for all three). */
  shortcut?: ShortcutOption;
  /** Where a bottleneck puts its stride; default from the preset. */
  strideIn?: StrideIn;
  /** Start the last batch norm of every residual branch at gamma = 0 (Goyal et al. 2017). Default `false`. */
  zeroInitResidual?: boolean;
  /** Activation of the classifier; default `'softmax'`, `'linear'` for the torchvision preset. */
  classifierActivation?: ClassifierActivation;
}

/** {@link ResNetOptions} with every default filled in. */
export type ResolvedResNetOptions = { [K in keyof ResNetOptions]-?: Exclude<ResNetOptions[K], undefined> };

/** Conventions a block is built with; presets are named sets of these. */
export interface BlockConventions {
  /** Whether convolutions carry a bias. */
  useBias: boolean;
  /** Batch-norm epsilon. */
  epsilon: number;
  /** Batch-norm momentum, Keras's meaning (the weight of the old moving average). */
  momentum: number;
  /** Kernel initialiser of every convolution. */
  kernelInitializer: KernelInitializer;
  /** Where a bottleneck puts its stride. */
  strideIn: StrideIn;
  /** Shortcut option. */
  shortcut: ShortcutOption;
  /** Whether the last batch norm of a residual branch starts at gamma = 0. */
  zeroInitResidual: boolean;
}

/** Fields every layer description has. */
export interface LayerSpecBase {
  /** Layer name, Keras style (`conv2_block1_1_conv`). */
  name: string;
  /** Names of the layers feeding this one (the model input is the layer `input`). */
  inputs: readonly string[];
  /** Output shape without the batch dimension. */
  outputShape: readonly number[];
  /** Stage of Table 1 this layer belongs to. */
  stage: StageName;
}

/** The model input. */
export interface InputSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "input";
}

/** Zero padding, `[[top, bottom], [left, right]]`. */
export interface PadSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "pad";
  /** Zeros added `[[top, bottom], [left, right]]`. */
  padding: readonly [readonly [number, number], readonly [number, number]];
}

/** A 2-D convolution with a square kernel. */
export interface ConvSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "conv";
  /** Kernel height and width. */
  kernel: number;
  /** Stride in both directions. */
  stride: number;
  /** `'same'` is used only at stride 1 with an odd kernel, where it is symmetric. */
  padding: "same" | "valid";
  /** Input channels. */
  channelsIn: number;
  /** Output channels (filters). */
  channelsOut: number;
  /** Whether the convolution adds a bias. */
  useBias: boolean;
  /** How the kernel is initialised. */
  kernelInitializer: KernelInitializer;
}

/** Batch normalisation over the channel axis. */
export interface BatchNormSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "batchNorm";
  /** Channels normalised. */
  channels: number;
  /** Added to the variance. */
  epsilon: number;
  /** Weight of the old moving average (Keras meaning; torch momentum 0.1 is 0.9 here). */
  momentum: number;
  /** Initial scale: `zeros` for a zero-initialised residual branch. */
  gammaInitializer: "ones" | "zeros";
}

/** A ReLU. */
export interface ReluSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "relu";
}

/** Max pooling with a square window, no padding (padding is a separate layer). */
export interface MaxPoolSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "maxPool";
  /** Window height and width. */
  pool: number;
  /** Stride in both directions. */
  stride: number;
}

/** Element-wise sum of the residual branch and the shortcut. */
export interface AddSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "add";
}

/** Option-A shortcut: subsample by `stride`, then zero-pad channels up to `channelsOut`. */
export interface ZeroPadShortcutSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "zeroPadShortcut";
  /** Subsampling stride. */
  stride: number;
  /** Input channels. */
  channelsIn: number;
  /** Output channels; the extra ones are zeros. */
  channelsOut: number;
}

/** Global average or max pooling to one vector per example. */
export interface GlobalPoolSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "globalAvgPool" | "globalMaxPool";
}

/** The fully connected classifier. */
export interface DenseSpec extends LayerSpecBase {
  /** Layer kind. */
  kind: "dense";
  /** Input features. */
  unitsIn: number;
  /** Output units (classes). */
  units: number;
  /** Activation of the output. */
  activation: ClassifierActivation;
  /** How the kernel is initialised. */
  kernelInitializer: KernelInitializer;
}

/** One layer of a resolved network. */
export type LayerSpec =
  | InputSpec
  | PadSpec
  | ConvSpec
  | BatchNormSpec
  | ReluSpec
  | MaxPoolSpec
  | AddSpec
  | ZeroPadShortcutSpec
  | GlobalPoolSpec
  | DenseSpec;

/** The kinds of {@link LayerSpec}. */
export type LayerKind = LayerSpec["kind"];

/** One stage of a resolved network. */
export interface StageSpec {
  /** Stage name. */
  name: StageName;
  /** Number of blocks (0 for `conv1` and `head`). */
  blocks: number;
  /** Output shape of the stage's last layer. */
  outputShape: readonly number[];
}

/** A network resolved into every layer: what `resnet()` builds and `count()` counts. */
export interface ResNetSpec {
  /** The options with every default filled in. */
  options: ResolvedResNetOptions;
  /** Model name, e.g. `resnet50` or `plain34`. */
  name: string;
  /** Every layer in topological order, the input first. */
  layers: readonly LayerSpec[];
  /** The stages in order. */
  stages: readonly StageSpec[];
  /** Name of the output layer. */
  output: string;
}
