/**
 * Checks a spec handed to `count()` (one made or edited by hand, not by `resnetSpec`), and
 * the figures `count()` makes of it: sizes are positive integers, and no figure passes
 * `Number.MAX_SAFE_INTEGER`, past which a count would silently be inexact.
 *
 * @module
 */
import { describeValue } from "../util/check.js";
import type { LayerSpec, ResNetSpec } from "../arch/types.js";
import type { LayerCount } from "./report.js";

/** The integer fields (each >= 1) of each layer kind. */
const SIZES: Readonly<Record<LayerSpec["kind"], readonly string[]>> = {
  input: [],
  pad: [],
  conv: ["kernel", "stride", "channelsIn", "channelsOut"],
  batchNorm: ["channels"],
  relu: [],
  maxPool: ["pool", "stride"],
  add: [],
  zeroPadShortcut: ["stride", "channelsIn", "channelsOut"],
  globalAvgPool: [],
  globalMaxPool: [],
  dense: ["unitsIn", "units"],
};

const isSize = (value: unknown): boolean => typeof value === "number" && Number.isInteger(value) && value >= 1;

/**
 * Throws a RangeError or TypeError naming the first layer of `spec` with an unknown kind, a
 * size that is not an integer >= 1, or an output shape that is not a list of such.
 */
export function checkSpecLayers(spec: ResNetSpec): void {
  spec.layers.forEach((layer, index) => {
    const where = `spec.layers[${index}] (${layer?.name ?? "unnamed"})`;
    const kinds = Object.keys(SIZES);
    if (typeof layer !== "object" || layer === null || !kinds.includes(layer.kind)) {
      throw new TypeError(`${where}: kind must be one of ${kinds.join(", ")}; got ${describeValue(layer?.kind)}`);
    }
    const shape = layer.outputShape as unknown;
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every(isSize)) {
      throw new RangeError(`${where}: outputShape must be a list of integers >= 1; got ${describeValue(shape)}`);
    }
    for (const field of SIZES[layer.kind]) {
      const value = (layer as unknown as Record<string, unknown>)[field];
      if (!isSize(value)) throw new RangeError(`${where}: ${field} must be an integer >= 1; got ${describeValue(value)}`);
    }
    if (layer.kind === "conv" && layer.groups !== undefined) {
      const { groups, channelsIn, channelsOut } = layer;
      if (!isSize(groups) || channelsIn % groups !== 0 || channelsOut % groups !== 0) {
        throw new RangeError(
          `${where}: groups must be an integer >= 1 that divides channelsIn (${channelsIn}) and channelsOut (${channelsOut}); got ${describeValue(groups)}`,
        );
      }
    }
  });
}

/** Throws a RangeError if a figure of a layer, or a total, is past `Number.MAX_SAFE_INTEGER`. */
export function checkExact(layers: readonly LayerCount[], totals: { params: { total: number }; macs: number; flops: number; activations: number; extraFlops: { total: number } }): void {
  const check = (what: string, value: number) => {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(
        `count: ${what} (about ${value.toPrecision(4)}) exceed${what.startsWith("the") ? "" : "s"} Number.MAX_SAFE_INTEGER (2^53 - 1), ` +
          `past which a count is not exact; count a smaller input`,
      );
    }
  };
  for (const layer of layers) {
    check(`the MACs of ${layer.name}`, layer.macs);
    check(`the parameters of ${layer.name}`, layer.params.total);
    check(`the extra FLOPs of ${layer.name}`, layer.extraFlops.total);
    check(`the activations of ${layer.name}`, layer.activations);
  }
  check("the total MACs", totals.macs);
  check("the total FLOPs", totals.flops);
  check("the total parameters", totals.params.total);
  check("the total extra FLOPs", totals.extraFlops.total);
  check("the total activations", totals.activations);
}
