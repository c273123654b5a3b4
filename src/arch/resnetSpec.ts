/**
 * `resnetSpec(options)`: Table 1 resolved into every layer of one network.
 *
 * @module
 */
import { blockLayers, type BlockType } from "./blockLayers.js";
import { LayerListBuilder } from "./layerList.js";
import { PRESET_CONVENTIONS } from "./presets.js";
import { resolveResNetOptions } from "./resolveOptions.js";
import { paddedShape, validOutputSize } from "./shapes.js";
import { STAGE_WIDTHS, STEM_CHANNELS, TABLE1 } from "./table1.js";
import type {
  BlockConventions,
  ImageShape,
  LayerSpec,
  ResNetOptions,
  ResNetSpec,
  StageName,
  StageSpec,
} from "./types.js";

const BLOCK_STAGES = ["conv2_x", "conv3_x", "conv4_x", "conv5_x"] as const;

/**
 * Resolves a ResNet or plain net of Table 1 into every layer: name, kind, kernel, stride,
 * padding, channels in and out, and output size. `resnet()` builds exactly these layers and
 * `count()` counts them.
 *
 * @example
 * ```ts
 * const spec = resnetSpec({ depth: 50, preset: "torchvision" });
 * spec.stages.map((s) => s.outputShape); // [[112,112,64], [56,56,256], ..., [1000]]
 * ```
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function resnetSpec(options: ResNetOptions): ResNetSpec {
  const resolved = resolveResNetOptions(options);
  const { depth, residual, inputShape } = resolved;
  const presetConventions = PRESET_CONVENTIONS[resolved.preset];
  const conventions: BlockConventions = {
    ...presetConventions,
    shortcut: resolved.shortcut,
    strideIn: resolved.strideIn,
    zeroInitResidual: resolved.zeroInitResidual,
  };
  const column = TABLE1[depth];
  const stages: StageSpec[] = [];
  const layers: LayerSpec[] = [{ kind: "input", name: "input", inputs: [], outputShape: inputShape, stage: "conv1" }];
  const builder = new LayerListBuilder("conv1", { name: "input", shape: inputShape });

  // conv1: 7x7, 64, stride 2, padded by 3 on every side (Keras and torchvision alike).
  const stemPadded = paddedShape(inputShape, 3);
  builder.push({ kind: "pad", name: "conv1_pad", padding: [[3, 3], [3, 3]], outputShape: stemPadded });
  const stemShape: ImageShape = [
    validOutputSize(stemPadded[0], 7, 2),
    validOutputSize(stemPadded[1], 7, 2),
    STEM_CHANNELS,
  ];
  builder.push({
    kind: "conv",
    name: "conv1_conv",
    kernel: 7,
    stride: 2,
    padding: "valid",
    channelsIn: inputShape[2],
    channelsOut: STEM_CHANNELS,
    useBias: conventions.useBias,
    kernelInitializer: conventions.kernelInitializer,
    outputShape: stemShape,
  });
  builder.push({
    kind: "batchNorm",
    name: "conv1_bn",
    channels: STEM_CHANNELS,
    epsilon: conventions.epsilon,
    momentum: conventions.momentum,
    gammaInitializer: "ones",
    outputShape: stemShape,
  });
  builder.push({ kind: "relu", name: "conv1_relu", outputShape: stemShape });
  endStage(builder, stages, layers, "conv1", 0);

  // conv2_x starts with a 3x3 max pool, stride 2 (padded by 1; inputs are >= 0 after the ReLU).
  builder.stage = "conv2_x";
  const poolPadded = paddedShape(stemShape, 1);
  builder.push({ kind: "pad", name: "pool1_pad", padding: [[1, 1], [1, 1]], outputShape: poolPadded });
  builder.push({
    kind: "maxPool",
    name: "pool1_pool",
    pool: 3,
    stride: 2,
    outputShape: [validOutputSize(poolPadded[0], 3, 2), validOutputSize(poolPadded[1], 3, 2), STEM_CHANNELS],
  });

  const blockType: BlockType = column.block;
  BLOCK_STAGES.forEach((stage, stageIndex) => {
    const blocks = column.blocks[stageIndex]!;
    let input = builder.last;
    for (let block = 1; block <= blocks; block++) {
      const blockSpecs = blockLayers(blockType, residual, {
        name: `conv${stageIndex + 2}_block${block}`,
        input,
        filters: STAGE_WIDTHS[stageIndex]!,
        stride: block === 1 && stageIndex > 0 ? 2 : 1,
        stage,
        conventions,
      });
      builder.layers.push(...blockSpecs);
      const out = blockSpecs[blockSpecs.length - 1]!;
      input = { name: out.name, shape: out.outputShape };
    }
    builder.from(input);
    endStage(builder, stages, layers, stage, blocks);
  });

  builder.stage = "head";
  const features = builder.last.shape[2]!;
  if (resolved.pooling !== null) {
    const kind = resolved.pooling === "avg" ? "globalAvgPool" : "globalMaxPool";
    builder.push({ kind, name: `${resolved.pooling}_pool`, outputShape: [features] });
  }
  if (resolved.includeTop) {
    builder.push({
      kind: "dense",
      name: "predictions",
      unitsIn: features,
      units: resolved.classes,
      activation: resolved.classifierActivation,
      kernelInitializer: presetConventions.denseInitializer,
      outputShape: [resolved.classes],
    });
  }
  if (builder.layers.length > 0) endStage(builder, stages, layers, "head", 0);

  return {
    options: resolved,
    name: `${residual ? "resnet" : "plain"}${depth}`,
    layers,
    stages,
    output: builder.last.name,
  };
}

/** Moves the builder's layers into `layers` and records the finished stage. */
function endStage(
  builder: LayerListBuilder,
  stages: StageSpec[],
  layers: LayerSpec[],
  name: StageName,
  blocks: number,
): void {
  layers.push(...builder.layers.splice(0));
  stages.push({ name, blocks, outputShape: builder.last.shape });
}
