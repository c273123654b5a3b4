/**
 * The layers of one residual or plain block, as data. Both the tfjs builder (`blocks/`) and
 * the counter (`count/`) read these descriptions, so the two cannot drift apart.
 *
 * @module
 */
import { BOTTLENECK_EXPANSION } from "./table1.js";
import { LayerListBuilder, type LayerOutput } from "./layerList.js";
import { sameOutputSize } from "./shapes.js";
import type { BlockConventions, ImageShape, LayerSpec, StageName } from "./types.js";

/** Basic block (two 3x3 convs, ResNet-18/34) or bottleneck (1x1, 3x3, 1x1; ResNet-50 and up). */
export type BlockType = "basic" | "bottleneck";

/** What {@link blockLayers} needs to describe one block. */
export interface BlockLayersArgs {
  /** Name prefix of the block's layers, e.g. `conv2_block1`. */
  name: string;
  /** The layer feeding the block: its name and output shape (height, width, channels). */
  input: LayerOutput;
  /** Width: filters of the 3x3 convolutions. */
  filters: number;
  /** Stride of the block (1, or 2 at the start of a stage). */
  stride: number;
  /** Stage the layers are reported under. */
  stage: StageName;
  /** Bias, batch norm, initialiser, stride placement and shortcut conventions. */
  conventions: BlockConventions;
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
 * Describes every layer of one block, in topological order; the last one is the block's
 * output (`<name>_out`, a ReLU). `residual: false` gives the plain block: the same layers
 * without the shortcut and the add.
 *
 * @example
 * ```ts
 * import { blockLayers } from "resnet-blocks/count";
 * const layers = blockLayers("bottleneck", true, {
 *   name: "conv2_block1",
 *   input: { name: "pool1_pool", shape: [56, 56, 64] },
 *   filters: 64,
 *   stride: 1,
 *   stage: "conv2_x",
 *   conventions: { useBias: false, epsilon: 1e-5, momentum: 0.9, kernelInitializer: "heNormal", strideIn: "1x1", shortcut: "B", zeroInitResidual: false },
 * });
 * layers.map((layer) => layer.name); // conv2_block1_1_conv, ..., conv2_block1_0_conv, ..., conv2_block1_out
 * ```
 */
export function blockLayers(type: BlockType, residual: boolean, args: BlockLayersArgs): LayerSpec[] {
  const { name, filters, stride, conventions } = args;
  const builder = new LayerListBuilder(args.stage, args.input);
  const zeroGamma = residual && conventions.zeroInitResidual;
  const channelsOut = blockChannelsOut(type, filters);

  if (type === "basic") {
    builder.convUnit(`${name}_1`, { kernel: 3, stride, channelsOut: filters, relu: true }, conventions);
    builder.convUnit(`${name}_2`, { kernel: 3, stride: 1, channelsOut, relu: false, zeroGamma }, conventions);
  } else {
    const strideOn1x1 = conventions.strideIn === "1x1" ? stride : 1;
    const strideOn3x3 = conventions.strideIn === "3x3" ? stride : 1;
    builder.convUnit(`${name}_1`, { kernel: 1, stride: strideOn1x1, channelsOut: filters, relu: true }, conventions);
    builder.convUnit(`${name}_2`, { kernel: 3, stride: strideOn3x3, channelsOut: filters, relu: true }, conventions);
    builder.convUnit(`${name}_3`, { kernel: 1, stride: 1, channelsOut, relu: false, zeroGamma }, conventions);
  }

  if (residual) {
    const branch = builder.last;
    const shortcut = shortcutLayers(builder, name, { stride, channelsOut }, conventions);
    builder.push({ kind: "add", name: `${name}_add`, inputs: [shortcut, branch], outputShape: branch.shape });
  }
  builder.push({ kind: "relu", name: `${name}_out`, outputShape: builder.last.shape });
  return builder.layers;
}

/** Adds the shortcut's layers (if any) and returns the name of the shortcut's output. */
function shortcutLayers(
  builder: LayerListBuilder,
  name: string,
  { stride, channelsOut }: { stride: number; channelsOut: number },
  conventions: BlockConventions,
): LayerOutput {
  const input = builder.start;
  const shape = input.shape as ImageShape;
  const shapeChanges = stride !== 1 || shape[2] !== channelsOut;
  const projection = conventions.shortcut === "C" || (conventions.shortcut === "B" && shapeChanges);
  if (projection) {
    builder.from(input);
    builder.convUnit(`${name}_0`, { kernel: 1, stride, channelsOut, relu: false }, conventions);
    return builder.last;
  }
  if (!shapeChanges) return input;
  const outputShape: ImageShape = [sameOutputSize(shape[0], stride), sameOutputSize(shape[1], stride), channelsOut];
  builder.from(input);
  builder.push({
    kind: "zeroPadShortcut",
    name: `${name}_0_shortcut`,
    stride,
    channelsIn: shape[2],
    channelsOut,
    outputShape,
  });
  return builder.last;
}
