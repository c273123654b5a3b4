/**
 * `describeNet(net)`: a stem, a table of stages and a head become every layer of one network.
 * The ImageNet nets of Table 1 (and their V2, wide and ResNeXt variants) and the CIFAR nets of
 * section 4.2 are rows of the same table, so one builder and one counter serve the family.
 *
 * @module
 */
import { blockLayers, type BlockType } from "./blockLayers.js";
import { LayerList } from "./layerList.js";
import type { BlockStageName } from "./naming.js";
import type { PresetConventions } from "./presets.js";
import { paddedShape, validOutputSize } from "./shapes.js";
import type { ClassifierActivation, ImageShape, LayerSpec, Pooling, StageSpec } from "./types.js";

/** One row of a net's stage table. */
export interface StageRow {
  /** Stage name (`conv2_x` ...). */
  name: BlockStageName;
  /** Blocks in the stage. */
  blocks: number;
  /** Width of the stage: filters of a basic block, planes of a bottleneck. */
  width: number;
  /** Stride of the stage's downsampling block (1 or 2). */
  stride: number;
}

/** The stem: Table 1's 7x7 stride-2 convolution and 3x3 max pool, or the CIFAR nets' 3x3 convolution. */
export type StemKind = "imagenet" | "cifar";

/** Everything that decides a net's layers. */
export interface NetDescription {
  /** Input height, width and channels. */
  inputShape: ImageShape;
  /** The stem. */
  stem: StemKind;
  /** Channels of the stem's convolution. */
  stemChannels: number;
  /** Block type of every stage. */
  block: BlockType;
  /** Whether the blocks have shortcuts. */
  residual: boolean;
  /** Pre-activation blocks (ResNetV2): the stride on a stage's last block, `post_bn` and `post_relu` after the last stage. */
  preactivation: boolean;
  /** Groups of a bottleneck's 3x3. */
  groups: number;
  /** Channels per group of a bottleneck's 3x3 at width 64. */
  widthPerGroup: number;
  /** The stages, in order. */
  stages: readonly StageRow[];
  /** Global pooling after the last stage. */
  pooling: Pooling;
  /** Classes of the dense top, or `null` without a top. */
  classes: number | null;
  /** Activation of the top. */
  classifierActivation: ClassifierActivation;
  /** Bias, batch norm, initialisers, stride placement and shortcut. */
  conventions: PresetConventions;
}

/** Every layer of a net in topological order (the input first), its stages, and its output layer's name. */
export function describeNet(net: NetDescription): { layers: LayerSpec[]; stages: StageSpec[]; output: string } {
  const { inputShape, conventions } = net;
  const list = new LayerList({ name: "input", shape: inputShape }, { stage: "conv1", block: null, unit: null, prefix: "conv1" });
  list.layers.push({ kind: "input", name: "input", inputs: [], outputShape: inputShape, stage: "conv1", block: null, unit: null });
  const stages: StageSpec[] = [];
  const endStage = (name: StageSpec["name"], blocks: number) => stages.push({ name, blocks, outputShape: list.last.shape });

  if (net.stem === "imagenet") {
    // conv1: 7x7 stride 2, padded by 3 on every side; ResNetV2 has no batch norm or ReLU here.
    const pre = net.preactivation;
    list.convUnit({ kernel: 7, stride: 2, channelsOut: net.stemChannels, relu: !pre, batchNorm: !pre }, conventions);
    endStage("conv1", 0);
    // conv2_x starts with a 3x3 max pool, stride 2, after an explicit zero padding of 1 (Keras's
    // and torchvision's result alike after the ReLU; ResNetV2 pools the convolution itself, as Keras does).
    list.place = { stage: "conv2_x", block: null, unit: null, prefix: "pool1" };
    const padded = paddedShape(list.last.shape as ImageShape, 1);
    list.push({ kind: "pad", name: list.nameOf("pad"), padding: [[1, 1], [1, 1]], outputShape: padded });
    const pooled = [validOutputSize(padded[0], 3, 2), validOutputSize(padded[1], 3, 2), net.stemChannels];
    list.push({ kind: "maxPool", name: list.nameOf("pool"), pool: 3, stride: 2, outputShape: pooled });
  } else {
    list.convUnit({ kernel: 3, stride: 1, channelsOut: net.stemChannels, relu: true }, conventions);
    endStage("conv1", 0);
  }

  net.stages.forEach((row, index) => {
    for (let block = 1; block <= row.blocks; block++) {
      // The 2015 nets halve the size in a stage's first block; ResNetV2 in its last.
      const downsamples = net.preactivation ? block === row.blocks : block === 1;
      const layers = blockLayers(net.block, net.residual, {
        stage: row.name,
        block,
        input: list.last,
        filters: row.width,
        stride: downsamples ? row.stride : 1,
        conventions,
        groups: net.groups,
        widthPerGroup: net.widthPerGroup,
        preactivation: net.preactivation,
      });
      list.layers.push(...layers);
      const out = layers[layers.length - 1]!;
      list.from({ name: out.name, shape: out.outputShape });
    }
    if (net.preactivation && index === net.stages.length - 1) {
      list.place = { stage: row.name, block: null, unit: null, prefix: "post" };
      list.batchNorm("bn", list.last.shape[2]!, conventions);
      list.push({ kind: "relu", name: list.nameOf("relu"), outputShape: list.last.shape });
    }
    endStage(row.name, row.blocks);
  });

  list.place = { stage: "head", block: null, unit: null, prefix: "head" };
  const features = list.last.shape[2]!;
  if (net.pooling !== null) {
    const kind = net.pooling === "avg" ? "globalAvgPool" : "globalMaxPool";
    list.push({ kind, name: `${net.pooling}_pool`, outputShape: [features] });
  }
  if (net.classes !== null) {
    list.push({
      kind: "dense",
      name: "predictions",
      unitsIn: features,
      units: net.classes,
      activation: net.classifierActivation,
      kernelInitializer: conventions.denseInitializer,
      outputShape: [net.classes],
    });
  }
  if (net.pooling !== null || net.classes !== null) endStage("head", 0);
  return { layers: list.layers, stages, output: list.last.name };
}
