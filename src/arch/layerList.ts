/**
 * A small helper that appends layer descriptions in topological order, wiring each to the
 * previous one unless told otherwise, and knows the conv + batch norm (+ ReLU) unit.
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
  kernel: number;
  stride: number;
  channelsOut: number;
  relu: boolean;
  /** Start the batch norm's gamma at zero. */
  zeroGamma?: boolean;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A layer description before it is wired: `inputs` default to the previous layer. */
export type NewLayer = DistributiveOmit<LayerSpec, "inputs" | "stage"> & { inputs?: readonly LayerOutput[] };

/** Appends layers that each take the previous one's output, unless told otherwise. */
export class LayerListBuilder {
  readonly layers: LayerSpec[] = [];
  /** The output of the most recently added layer (or the starting input). */
  last: LayerOutput;

  constructor(
    public stage: StageName,
    readonly start: LayerOutput,
  ) {
    this.last = start;
  }

  /** Makes the next layer read from `source` instead of the last one. */
  from(source: LayerOutput): void {
    this.last = source;
  }

  /** Appends one layer. */
  push(layer: NewLayer): void {
    const { inputs, ...rest } = layer;
    const inputNames = inputs ? inputs.map((source) => source.name) : [this.last.name];
    this.layers.push({ ...rest, inputs: inputNames, stage: this.stage } as LayerSpec);
    this.last = { name: layer.name, shape: layer.outputShape };
  }

  /** Convolution (with explicit symmetric padding when strided), batch norm and an optional ReLU. */
  convUnit(prefix: string, unit: ConvUnitArgs, conventions: BlockConventions): void {
    const { kernel, stride, channelsOut } = unit;
    const inputShape = this.last.shape as ImageShape;
    const [h, w, channelsIn] = inputShape;
    let padding: "same" | "valid" = "valid";
    let outputShape: ImageShape;
    if (kernel === 1) {
      outputShape = [validOutputSize(h, 1, stride), validOutputSize(w, 1, stride), channelsOut];
    } else if (stride === 1) {
      padding = "same";
      outputShape = [h, w, channelsOut];
    } else {
      // TensorFlow's 'same' pads strided convolutions asymmetrically; pad k/2 on every side
      // as torchvision and Caffe do, so weights trained there give the same outputs.
      const pad = Math.floor(kernel / 2);
      const padded = paddedShape(inputShape, pad);
      this.push({ kind: "pad", name: `${prefix}_pad`, padding: [[pad, pad], [pad, pad]], outputShape: padded });
      outputShape = [validOutputSize(padded[0], kernel, stride), validOutputSize(padded[1], kernel, stride), channelsOut];
    }
    this.push({
      kind: "conv",
      name: `${prefix}_conv`,
      kernel,
      stride,
      padding,
      channelsIn,
      channelsOut,
      useBias: conventions.useBias,
      kernelInitializer: conventions.kernelInitializer,
      outputShape,
    });
    this.push({
      kind: "batchNorm",
      name: `${prefix}_bn`,
      channels: channelsOut,
      epsilon: conventions.epsilon,
      momentum: conventions.momentum,
      gammaInitializer: unit.zeroGamma ? "zeros" : "ones",
      outputShape,
    });
    if (unit.relu) this.push({ kind: "relu", name: `${prefix}_relu`, outputShape });
  }
}
