/**
 * `LayerList`: appends layer descriptions in topological order, each wired to the previous
 * one unless told otherwise, each placed in its stage, block and unit and named from that
 * place; and the conv + batch norm (+ ReLU) unit every part of a ResNet is made of.
 *
 * @module
 */
import { paddedShape, validOutputSize } from "./shapes.js";
import type { BlockConventions, ImageShape, LayerSpec, StageName } from "./types.js";

/** A layer's name and output shape, as later layers refer to it. */
export interface LayerOutput {
  /** Layer name. */
  name: string;
  /** Output shape without the batch dimension. */
  shape: readonly number[];
}

/** One conv + batch norm (+ ReLU) unit. */
export interface ConvUnitArgs {
  /** Kernel height and width. */
  kernel: number;
  /** Stride in both directions. */
  stride: number;
  /** Output channels. */
  channelsOut: number;
  /** Whether a ReLU ends the unit. */
  relu: boolean;
  /** Groups of the convolution. Default 1. */
  groups?: number;
  /** Whether a batch norm follows the convolution. Default `true`. */
  batchNorm?: boolean;
  /** Start the batch norm's gamma at zero. */
  zeroGamma?: boolean;
  /** Pad explicitly (a `pad` layer, then a `'valid'` convolution) even at stride 1, as Keras's ResNetV2 does. */
  explicitPad?: boolean;
  /** Whether the convolution carries a bias. Default: the conventions' `useBias`. */
  useBias?: boolean;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A layer description before it is placed and wired: `inputs` default to the previous layer. */
export type NewLayer = DistributiveOmit<LayerSpec, "inputs" | "stage" | "block" | "unit"> & { inputs?: readonly LayerOutput[] };

/** Where the next layers go: their stage, block and unit, and the prefix their names start with. */
export interface Placement {
  /** Stage of Table 1. */
  stage: StageName;
  /** Block of the stage, from 1; `null` outside the blocks. */
  block: number | null;
  /** Unit of the block; `null` for the block's own layers and outside the blocks. */
  unit: number | null;
  /** Name prefix: `conv1`, `pool1`, `conv2_block1_1`, `conv2_block1` (a block's own layers), `post`. */
  prefix: string;
}

/** The one list of a net's (or a block's) layers, built in order. */
export class LayerList {
  /** Every layer so far, in topological order. */
  readonly layers: LayerSpec[] = [];
  /** The output of the most recently added layer (or the starting input). */
  last: LayerOutput;
  /** Where the next layers go. */
  place: Placement;

  constructor(start: LayerOutput, place: Placement) {
    this.last = start;
    this.place = place;
  }

  /** Makes the next layer read from `source` instead of the last one. */
  from(source: LayerOutput): void {
    this.last = source;
  }

  /** The name of a layer of the current place: `<prefix>_<suffix>`. */
  nameOf(suffix: string): string {
    return `${this.place.prefix}_${suffix}`;
  }

  /** Appends one layer, placed where the list is. */
  push(layer: NewLayer): LayerOutput {
    const { inputs, ...rest } = layer;
    const inputNames = inputs ? inputs.map((source) => source.name) : [this.last.name];
    const { stage, block, unit } = this.place;
    this.layers.push({ ...rest, inputs: inputNames, stage, block, unit } as LayerSpec);
    this.last = { name: layer.name, shape: layer.outputShape };
    return this.last;
  }

  /**
   * Convolution (explicitly padded when strided, or when asked), an optional batch norm and an
   * optional ReLU, named `<prefix>_pad`, `_conv`, `_bn`, `_relu`.
   */
  convUnit(unit: ConvUnitArgs, conventions: BlockConventions): LayerOutput {
    const { kernel, stride, channelsOut } = unit;
    const inputShape = this.last.shape as ImageShape;
    const [h, w, channelsIn] = inputShape;
    let padding: "same" | "valid" = "valid";
    let outputShape: ImageShape;
    if (kernel === 1) {
      outputShape = [validOutputSize(h, 1, stride), validOutputSize(w, 1, stride), channelsOut];
    } else if (stride === 1 && !unit.explicitPad) {
      padding = "same";
      outputShape = [h, w, channelsOut];
    } else {
      // TensorFlow's 'same' pads strided convolutions asymmetrically; pad k/2 on every side
      // as torchvision and Caffe do, so weights trained there give the same outputs.
      const pad = Math.floor(kernel / 2);
      const padded = paddedShape(inputShape, pad);
      this.push({ kind: "pad", name: this.nameOf("pad"), padding: [[pad, pad], [pad, pad]], outputShape: padded });
      outputShape = [validOutputSize(padded[0], kernel, stride), validOutputSize(padded[1], kernel, stride), channelsOut];
    }
    this.push({
      kind: "conv",
      name: this.nameOf("conv"),
      kernel,
      stride,
      padding,
      channelsIn,
      channelsOut,
      groups: unit.groups ?? 1,
      useBias: unit.useBias ?? conventions.useBias,
      kernelInitializer: conventions.kernelInitializer,
      outputShape,
    });
    if (unit.batchNorm ?? true) this.batchNorm("bn", channelsOut, conventions, unit.zeroGamma ?? false);
    if (unit.relu) this.push({ kind: "relu", name: this.nameOf("relu"), outputShape });
    return this.last;
  }

  /** A batch norm of the last layer's output, named `<prefix>_<suffix>`. */
  batchNorm(suffix: string, channels: number, conventions: BlockConventions, zeroGamma = false): LayerOutput {
    return this.push({
      kind: "batchNorm",
      name: this.nameOf(suffix),
      channels,
      epsilon: conventions.epsilon,
      momentum: conventions.momentum,
      gammaInitializer: zeroGamma ? "zeros" : "ones",
      outputShape: this.last.shape,
    });
  }
}
