/**
 * Readers of a tfjs-layers layer's config and weights for the fuse compiler: pairs and
 * paddings, activations, batch-norm parameters, kernel shapes, and the error for a layer that
 * cannot be fused.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { BatchNormParams } from "./fold.js";
import type { GraphNode } from "./graph.js";
import { SUPPORTED_ACTIVATIONS, type FusableActivation } from "./steps.js";

/** A layer's `getConfig()`. */
export type Config = Record<string, unknown>;

/** The TypeError for a layer fuse() cannot run, naming it, its class and why. */
export function unsupported(node: GraphNode, why: string): TypeError {
  return new TypeError(`model layer "${node.layer.name}" (class ${node.className}) cannot be fused: ${why}`);
}

/** Throws unless the layer is channels-last (NHWC). */
export function checkChannelsLast(node: GraphNode, config: Config): void {
  if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
    throw unsupported(node, `fuse() handles dataFormat "channelsLast" only; got ${JSON.stringify(config.dataFormat)}`);
  }
}

/** `3` or `[3, 3]` as `[3, 3]`. */
export function pair(value: unknown): [number, number] {
  if (typeof value === "number") return [value, value];
  const [a, b] = value as number[];
  return [a!, b ?? a!];
}

/** The padding of a stride-1 'same' convolution: (k - 1) * d in all, the extra cell at the end. */
export function samePadding(kernel: [number, number], dilations: [number, number]): number[][] {
  return kernel.map((k, i) => {
    const total = (k - 1) * dilations[i]!;
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  });
}

/** Whether tf.fused.conv2d and tf.fused.matMul apply `activation` in the same kernel. */
export function isFusable(activation: string): activation is FusableActivation {
  return activation === "linear" || activation === "relu" || activation === "relu6";
}

/** The activation an `Activation` or `ReLU` layer applies; throws for ones fuse() does not run. */
export function activationOf(node: GraphNode): (typeof SUPPORTED_ACTIVATIONS)[number] {
  const config = node.layer.getConfig() as Config;
  if (node.className === "ReLU") {
    const max = config.maxValue;
    if (max === null || max === undefined) return "relu";
    if (max === 6) return "relu6";
    throw unsupported(node, `fuse() handles ReLU with maxValue null or 6; got ${JSON.stringify(max)}`);
  }
  const name = String(config.activation);
  if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(name)) {
    throw unsupported(node, `fuse() handles the activations ${SUPPORTED_ACTIVATIONS.join(", ")}; got ${JSON.stringify(name)}`);
  }
  return name as (typeof SUPPORTED_ACTIVATIONS)[number];
}

/** The activation of an `Activation` or `ReLU` layer if a convolution can absorb it, else `null`. */
export function fusableActivationOf(node: GraphNode): FusableActivation | null {
  const name = activationOf(node);
  return isFusable(name) ? name : null;
}

/** Whether a batch norm normalises the last (channel) axis. */
export function lastAxisBatchNorm(node: GraphNode): boolean {
  const axis = (node.layer.getConfig() as Config).axis;
  const rank = node.inputs[0]!.shape.length;
  return axis === -1 || axis === rank - 1;
}

/** The moving statistics, scale, offset and epsilon of a batch-norm layer. */
export function batchNormParams(node: GraphNode): BatchNormParams {
  const config = node.layer.getConfig() as Config;
  return {
    mean: weightValues(node.layer, "moving_mean"),
    variance: weightValues(node.layer, "moving_variance"),
    gamma: config.scale === false ? undefined : weightValues(node.layer, "gamma"),
    beta: config.center === false ? undefined : weightValues(node.layer, "beta"),
    epsilon: Number(config.epsilon),
  };
}

/** The values of the layer's weight whose name ends in `/<suffix>`. */
export function weightValues(layer: tfl.layers.Layer, suffix: string): Float32Array {
  const weight = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
  if (!weight) {
    throw new TypeError(`model layer "${layer.name}" (class ${layer.getClassName()}) has no weight "${suffix}"`);
  }
  const value = weight.read();
  if (value.dtype !== "float32") {
    throw new TypeError(`model layer "${layer.name}" weight "${suffix}" must be float32; got ${value.dtype}`);
  }
  // A copy: on the cpu backend dataSync() may hand out the variable's own storage.
  return (value.dataSync() as Float32Array).slice();
}

/** Input channels of a convolution, from its input's shape. */
export function kernelShapeIn(node: GraphNode): number {
  const channels = node.inputs[0]!.shape[3];
  if (typeof channels !== "number") throw unsupported(node, "fuse() needs the channels of its input");
  return channels;
}

/** Output channels (filters) of a convolution. */
export function kernelShapeOut(node: GraphNode): number {
  return Number((node.layer.getConfig() as Config).filters);
}
