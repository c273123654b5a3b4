/**
 * The layers of one residual or plain block, as data: the basic block, the bottleneck (with
 * ResNeXt's groups and the wide nets' widths), and the pre-activation bottleneck of ResNetV2.
 * Both the tfjs builder (`blocks/`, `models/`) and the counter (`count/`) read these
 * descriptions, so the two cannot drift apart.
 *
 * @module
 */
import { LayerList, type LayerOutput, type Placement } from "./layerList.js";
import { stageNumber, type BlockStageName } from "./naming.js";
import { sameOutputSize } from "./shapes.js";
import { BOTTLENECK_EXPANSION } from "./table1.js";
import type { BlockConventions, ImageShape, LayerSpec } from "./types.js";

/** Basic block (two 3x3 convs, ResNet-18/34) or bottleneck (1x1, 3x3, 1x1; ResNet-50 and up). */
export type BlockType = "basic" | "bottleneck";

/** What {@link blockLayers} needs to describe one block. */
export interface BlockLayersArgs {
  /** Stage the block belongs to. */
  stage: BlockStageName;
  /** Block of the stage, from 1. Default 1. */
  block?: number;
  /** Name prefix of the block's layers. Default from the stage and block: `conv2_block1`. */
  name?: string;
  /** The layer feeding the block: its name and output shape (height, width, channels). */
  input: LayerOutput;
  /** Width: filters of the 3x3 convolutions of a basic block; a bottleneck's "planes" (it outputs 4x as many). */
  filters: number;
  /** Stride of the block (1, or 2 where a stage halves the size). */
  stride: number;
  /** Bias, batch norm, initialiser, stride placement and shortcut conventions. */
  conventions: BlockConventions;
  /** Bottleneck only: groups of the 3x3 convolution (ResNeXt). Default 1. */
  groups?: number;
  /** Bottleneck only: channels per group of the 3x3 at width 64 (torchvision's `width_per_group`). Default 64. */
  widthPerGroup?: number;
  /** Bottleneck only: the pre-activation block of ResNetV2 (batch norm and ReLU first, no ReLU after the add). Default `false`. */
  preactivation?: boolean;
}

/**
 * Output channels of a block of `type` and width `filters`.
 *
 * @example
 * ```ts
 * import { blockChannelsOut } from "resnet-blocks/count";
 * blockChannelsOut("basic", 64);      // 64
 * blockChannelsOut("bottleneck", 64); // 256: the 1x1 expansion of 4
 * ```
 */
export function blockChannelsOut(type: BlockType, filters: number): number {
  return type === "bottleneck" ? filters * BOTTLENECK_EXPANSION : filters;
}

/**
 * Channels of a bottleneck's 3x3 convolution, as torchvision computes them:
 * `floor(filters * widthPerGroup / 64) * groups` (64 for ResNet-50's first stage, 128 for
 * `resnext50_32x4d` and for `wide_resnet50_2`).
 */
export function bottleneckWidth(filters: number, groups = 1, widthPerGroup = 64): number {
  return Math.floor((filters * widthPerGroup) / 64) * groups;
}

/**
 * Describes every layer of one block, in topological order; the last one is the block's
 * output (`<name>_out`). `residual: false` gives the plain block: the same layers without the
 * shortcut and the add.
 *
 * @example
 * ```ts
 * import { blockLayers } from "resnet-blocks/count";
 * const layers = blockLayers("bottleneck", true, {
 *   stage: "conv2_x",
 *   block: 1,
 *   input: { name: "pool1_pool", shape: [56, 56, 64] },
 *   filters: 64,
 *   stride: 1,
 *   conventions: { useBias: false, epsilon: 1e-5, momentum: 0.9, kernelInitializer: "heNormal", strideIn: "1x1", shortcut: "B", zeroInitResidual: false },
 * });
 * layers.map((layer) => layer.name); // conv2_block1_1_conv, ..., conv2_block1_0_conv, ..., conv2_block1_out
 * ```
 */
export function blockLayers(type: BlockType, residual: boolean, args: BlockLayersArgs): LayerSpec[] {
  const block = args.block ?? 1;
  const prefix = args.name ?? `conv${stageNumber(args.stage)}_block${block}`;
  const list = new LayerList(args.input, { stage: args.stage, block, unit: null, prefix });
  const unit = (n: number): Placement => ({ stage: args.stage, block, unit: n, prefix: `${prefix}_${n}` });
  const own: Placement = { stage: args.stage, block, unit: null, prefix };
  if (args.preactivation) preactBottleneck(list, residual, args, unit, own);
  else postactBlock(list, type, residual, args, unit, own);
  return list.layers;
}

/** The blocks of the 2015 paper: conv units, then the add, then a ReLU. */
function postactBlock(
  list: LayerList,
  type: BlockType,
  residual: boolean,
  args: BlockLayersArgs,
  unit: (n: number) => Placement,
  own: Placement,
): void {
  const { filters, stride, conventions } = args;
  const zeroGamma = residual && conventions.zeroInitResidual;
  const channelsOut = blockChannelsOut(type, filters);
  if (type === "basic") {
    list.place = unit(1);
    list.convUnit({ kernel: 3, stride, channelsOut: filters, relu: true }, conventions);
    list.place = unit(2);
    list.convUnit({ kernel: 3, stride: 1, channelsOut, relu: false, zeroGamma }, conventions);
  } else {
    const width = bottleneckWidth(filters, args.groups, args.widthPerGroup);
    const strideOn1x1 = conventions.strideIn === "1x1" ? stride : 1;
    list.place = unit(1);
    list.convUnit({ kernel: 1, stride: strideOn1x1, channelsOut: width, relu: true }, conventions);
    list.place = unit(2);
    list.convUnit({ kernel: 3, stride: stride / strideOn1x1, channelsOut: width, groups: args.groups, relu: true }, conventions);
    list.place = unit(3);
    list.convUnit({ kernel: 1, stride: 1, channelsOut, relu: false, zeroGamma }, conventions);
  }
  list.place = own;
  if (residual) {
    const branch = list.last;
    const shortcut = shortcutLayers(list, args.input, { stride, channelsOut }, conventions, unit(0));
    list.place = own;
    list.push({ kind: "add", name: list.nameOf("add"), inputs: [shortcut, branch], outputShape: branch.shape });
  }
  list.push({ kind: "relu", name: list.nameOf("out"), outputShape: list.last.shape });
}

/**
 * Keras's `block2` (ResNetV2): batch norm and ReLU of the input first (`_preact_bn`,
 * `_preact_relu`); a projection shortcut reads that pre-activation, the identity reads the
 * input; the 3x3 is padded explicitly and carries the stride; convolutions followed by a
 * batch norm have no bias; the block ends in the add (`_out`), with no ReLU.
 */
function preactBottleneck(list: LayerList, residual: boolean, args: BlockLayersArgs, unit: (n: number) => Placement, own: Placement): void {
  const { filters, stride, conventions } = args;
  const channelsIn = (args.input.shape as ImageShape)[2];
  const channelsOut = blockChannelsOut("bottleneck", filters);
  const width = bottleneckWidth(filters, args.groups, args.widthPerGroup);
  list.batchNorm("preact_bn", channelsIn, conventions);
  const preact = list.push({ kind: "relu", name: list.nameOf("preact_relu"), outputShape: args.input.shape });
  list.place = unit(1);
  list.convUnit({ kernel: 1, stride: 1, channelsOut: width, relu: true, useBias: false }, conventions);
  list.place = unit(2);
  list.convUnit({ kernel: 3, stride, channelsOut: width, groups: args.groups, relu: true, useBias: false, explicitPad: true }, conventions);
  list.place = unit(3);
  const branch = list.convUnit({ kernel: 1, stride: 1, channelsOut, relu: false, batchNorm: false }, conventions);
  list.place = own;
  if (!residual) return;
  const shapeChanges = stride !== 1 || channelsIn !== channelsOut;
  const projection = conventions.shortcut === "C" || (conventions.shortcut === "B" && channelsIn !== channelsOut);
  let shortcut: LayerOutput = args.input;
  if (projection) {
    list.from(preact);
    list.place = unit(0);
    shortcut = list.convUnit({ kernel: 1, stride, channelsOut, relu: false, batchNorm: false }, conventions);
  } else if (channelsIn !== channelsOut) {
    shortcut = shortcutLayers(list, args.input, { stride, channelsOut }, conventions, unit(0));
  } else if (shapeChanges) {
    // Keras subsamples the identity with a 1x1 max pool of stride `stride`.
    list.from(args.input);
    list.place = unit(0);
    const shape = args.input.shape as ImageShape;
    shortcut = list.push({
      kind: "maxPool",
      name: list.nameOf("pool"),
      pool: 1,
      stride,
      outputShape: [sameOutputSize(shape[0], stride), sameOutputSize(shape[1], stride), channelsIn],
    });
  }
  list.place = own;
  list.push({ kind: "add", name: list.nameOf("out"), inputs: [shortcut, branch], outputShape: branch.shape });
}

/** Adds the shortcut's layers of a post-activation block (if any) and returns the shortcut's output. */
function shortcutLayers(
  list: LayerList,
  input: LayerOutput,
  { stride, channelsOut }: { stride: number; channelsOut: number },
  conventions: BlockConventions,
  place: Placement,
): LayerOutput {
  const shape = input.shape as ImageShape;
  const shapeChanges = stride !== 1 || shape[2] !== channelsOut;
  const projection = conventions.shortcut === "C" || (conventions.shortcut === "B" && shapeChanges);
  if (!projection && !shapeChanges) return input;
  list.from(input);
  list.place = place;
  if (projection) return list.convUnit({ kernel: 1, stride, channelsOut, relu: false }, conventions);
  const outputShape: ImageShape = [sameOutputSize(shape[0], stride), sameOutputSize(shape[1], stride), channelsOut];
  return list.push({
    kind: "zeroPadShortcut",
    name: list.nameOf("shortcut"),
    stride,
    channelsIn: shape[2],
    channelsOut,
    outputShape,
  });
}
