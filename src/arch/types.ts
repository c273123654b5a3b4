/**
 * Types of the resolved network description. Pure data: nothing here imports TensorFlow.js,
 * so the counters and docs tooling can use it without loading tfjs.
 *
 * @module
 */
import type { CLASSIFIER_ACTIVATIONS, DEPTHS, POOLINGS, PRESETS, SHORTCUTS, STRIDES_IN } from "./values.js";

/** The depths of Table 1 of He et al. (2015). */
export type Depth = (typeof DEPTHS)[number];

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
export type Preset = (typeof PRESETS)[number];

/**
 * The shortcut options of section 3.3 of the paper:
 * - `'A'`: identity; where the shape changes, subsample by the stride and zero-pad the
 *   new channels (no parameters).
 * - `'B'`: identity where the shape stays, a 1x1 projection (conv + batch norm) where it
 *   changes.
 * - `'C'`: a projection on every block.
 */
export type ShortcutOption = (typeof SHORTCUTS)[number];

/** Where a downsampling bottleneck puts its stride: on the first 1x1 (paper, Keras) or on the 3x3 (torchvision). */
export type StrideIn = (typeof STRIDES_IN)[number];

/** Global pooling after the last stage. `null` keeps the 4-D feature map (only without the top). */
export type Pooling = (typeof POOLINGS)[number];

/** The activation of the final dense layer. */
export type ClassifierActivation = (typeof CLASSIFIER_ACTIVATIONS)[number];

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
  /**
   * Pre-activation blocks (He et al. 2016, "Identity Mappings in Deep Residual Networks") laid
   * out as Keras Applications' `ResNet50V2`/`101V2`/`152V2` build them: batch norm and ReLU
   * before each block's convolutions, the stride on the last block of a stage, a final batch
   * norm and ReLU (`post_bn`, `post_relu`). Depths 50, 101 and 152; default `false`.
   */
  preactivation?: boolean;
  /**
   * Groups of each bottleneck's 3x3 convolution (ResNeXt's cardinality, torchvision's
   * `groups`): 32 for `resnext50_32x4d`. Depths 50, 101 and 152; default 1.
   */
  groups?: number;
  /**
   * Channels per group of each bottleneck's 3x3 convolution at the first stage (torchvision's
   * `width_per_group`): the 3x3 has `floor(64 * 2^s * widthPerGroup / 64) * groups` channels
   * at stage `s`. 64 (default) is the ResNet; 128 with one group is `wide_resnet50_2`; 4 with
   * 32 groups is `resnext50_32x4d`. Depths 50, 101 and 152.
   */
  widthPerGroup?: number;
}

/** {@link ResNetOptions} with every default filled in. */
export type ResolvedResNetOptions = { [K in keyof ResNetOptions]-?: Exclude<ResNetOptions[K], undefined> } & {
  /** Which description made the spec: `resnetSpec`'s (Table 1 and its variants). */
  family: "imagenet";
};

/** Options of `cifarResnetSpec` and of the `cifarResnet()` builder: the CIFAR-10 nets of section 4.2. Every field but `depth` is optional. */
export interface CifarResNetOptions {
  /** Depth `6n + 2` for `n >= 1`: 20, 32, 44, 56, 110 and 1202 in the paper (8, 14, ... also work). */
  depth: number;
  /** `true` (default) for the residual net, `false` for the plain net (no shortcuts). */
  residual?: boolean;
  /** Number of classes of the top. Default 10. */
  classes?: number;
  /** Input height, width and channels; height and width at least 4. Default `[32, 32, 3]`. */
  inputShape?: ImageShape;
  /** Filters of the first stage; the second and third have 2x and 4x as many. Default 16 (the paper). */
  filters?: number;
  /** Shortcut option where the shape changes. Default `'A'` (identity, zero-padded channels), as in the paper's CIFAR nets. */
  shortcut?: ShortcutOption;
  /** Conventions of bias, batch norm and initialisers. Default `'paper'` (no bias, epsilon 1e-5, momentum 0.9, He normal). */
  preset?: Preset;
  /** Activation of the classifier. Default from the preset (`'softmax'` for `'paper'`). */
  classifierActivation?: ClassifierActivation;
}

/** {@link CifarResNetOptions} with every default filled in. */
export type ResolvedCifarResNetOptions = { [K in keyof CifarResNetOptions]-?: Exclude<CifarResNetOptions[K], undefined> } & {
  /** Which description made the spec: `cifarResnetSpec`'s (section 4.2). */
  family: "cifar";
};

/** The resolved options of either family. */
export type ResolvedNetOptions = ResolvedResNetOptions | ResolvedCifarResNetOptions;

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
  /** Layer name, Keras style (`conv2_block1_1_conv`), made from `stage`, `block` and `unit` (see `layerName`). */
  name: string;
  /** Names of the layers feeding this one (the model input is the layer `input`). */
  inputs: readonly string[];
  /** Output shape without the batch dimension. */
  outputShape: readonly number[];
  /** Stage of Table 1 this layer belongs to. */
  stage: StageName;
  /** Block of the stage, from 1; `null` outside the blocks (the stem, the head). */
  block: number | null;
  /**
   * Unit of the block: 1, 2, 3 for the residual branch's conv units in order, 0 for the
   * projection shortcut; `null` for the block's own layers (pre-activation, add, output) and
   * outside the blocks.
   */
  unit: number | null;
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
  /** Groups: each of `groups` slices of the input channels is convolved with its own `channelsOut / groups` filters (1: an ordinary convolution). */
  groups: number;
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

/**
 * A network resolved into every layer: what `resnet()` builds and `count()` counts.
 *
 * @typeParam Options The resolved options: of `resnetSpec` (`family: "imagenet"`) or of `cifarResnetSpec` (`family: "cifar"`).
 */
export interface ResNetSpec<Options extends ResolvedNetOptions = ResolvedNetOptions> {
  /** The options with every default filled in. */
  options: Options;
  /** Model name, e.g. `resnet50` or `plain34`. */
  name: string;
  /** Every layer in topological order, the input first. */
  layers: readonly LayerSpec[];
  /** The stages in order. */
  stages: readonly StageSpec[];
  /** Name of the output layer. */
  output: string;
}
