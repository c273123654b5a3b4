/**
 * `saveSafetensors`: a model's weights as a safetensors file.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkBoolean, checkKnownKeys, checkOneOf, checkOptionsObject, describeValue } from "../util/check.js";
import { checkModel } from "./assign.js";
import { FLOAT_DTYPES, encodeFloats, type WeightDtype } from "./dtypes.js";
import { toFileOrder } from "./kernelOrder.js";
import { WEIGHT_LAYOUTS, weightSlots, type WeightLayout } from "./layouts.js";
import { encodeSafetensors, type SafetensorsTensor } from "./safetensors.js";

/** Options of {@link saveSafetensors}. */
export interface SaveOptions {
  /** How to name and order the tensors. Default `'native'`. */
  layout?: WeightLayout;
  /** Dtype to store: `'float32'` (default, exact), `'float16'` or `'bfloat16'` (rounded to nearest even). */
  dtype?: WeightDtype;
  /**
   * The header's `__metadata__` (strings). The torchvision layout adds `format: "pt"`, as
   * `safetensors.torch` writes, unless given.
   */
  metadata?: Record<string, string>;
  /**
   * Store values that `dtype: 'float16'` cannot hold (magnitude 65520 or more) as Infinity
   * instead of failing. Default `false`: such a value is a `RangeError` naming the weight.
   */
  allowOverflow?: boolean;
}

/** The keys of {@link SaveOptions}. */
const SAVE_OPTION_KEYS = ["layout", "dtype", "metadata", "allowOverflow"];

/** Smallest magnitude that float16 rounds to Infinity (65504 is the largest float16; 65520 is halfway to 2^16). */
const FLOAT16_OVERFLOW = 65520;

/**
 * The weights of `model` as a safetensors file, named and ordered as `options.layout`
 * says, so that `loadSafetensors(model, bytes, { layout })` (or PyTorch's
 * `safetensors.torch.load_file` and `load_state_dict`, for the torchvision layout) reads
 * them back. Asynchronous because weights are read from the backend (a GPU, perhaps)
 * without blocking.
 *
 * @example
 * ```ts
 * const bytes = await saveSafetensors(model, { layout: "torchvision" });
 * writeFileSync("resnet18.safetensors", bytes);
 * ```
 * @throws WeightsError if the layout has no name for some weight (a non-ResNet layer in
 *   the torchvision layout); TypeError or RangeError for bad options (an unknown key among
 *   them); RangeError if `dtype: 'float16'` cannot hold a value and `allowOverflow` is not set.
 */
export async function saveSafetensors(model: tfl.LayersModel, options: SaveOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkOptionsObject("options", options);
  checkKnownKeys(options, SAVE_OPTION_KEYS, "saveSafetensors");
  const allowOverflow = checkBoolean("options.allowOverflow", options.allowOverflow ?? false);
  const layout = checkOneOf("options.layout", options.layout ?? "native", WEIGHT_LAYOUTS);
  const dtype = FLOAT_DTYPES[checkOneOf("options.dtype", options.dtype ?? "float32", Object.keys(FLOAT_DTYPES) as WeightDtype[])];
  const metadata = { ...(layout === "torchvision" ? { format: "pt" } : {}), ...checkMetadata(options.metadata) };
  const slots = weightSlots(model, layout);
  const tensors: SafetensorsTensor[] = [];
  for (const slot of slots) {
    const values = (await slot.variable.read().data()) as Float32Array;
    if (dtype === "F16" && !allowOverflow) checkFloat16Range(values, slot.weight);
    const ordered = toFileOrder(slot.order, values, slot.modelShape);
    tensors.push({ name: slot.key, dtype, shape: slot.shape, data: encodeFloats(dtype, ordered) });
  }
  return encodeSafetensors(tensors, metadata);
}

/** Throws a RangeError if float16 would turn some finite value of `weight` into Infinity. */
function checkFloat16Range(values: Float32Array, weight: string): void {
  let count = 0;
  let largest = 0;
  for (const value of values) {
    const magnitude = Math.abs(value);
    if (magnitude >= FLOAT16_OVERFLOW && magnitude !== Infinity) {
      count++;
      largest = Math.max(largest, magnitude);
    }
  }
  if (count > 0) {
    throw new RangeError(
      `options.dtype "float16" cannot hold ${count} value${count === 1 ? "" : "s"} of ${weight} (largest magnitude ${largest}; float16 holds ` +
        `up to 65504, and ${FLOAT16_OVERFLOW} or more become Infinity): save as "float32" or "bfloat16", or pass allowOverflow: true`,
    );
  }
}

function checkMetadata(metadata: unknown): Record<string, string> {
  if (metadata === undefined) return {};
  checkOptionsObject("options.metadata", metadata);
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    if (typeof value !== "string") {
      throw new TypeError(`options.metadata.${key} must be a string; got ${describeValue(value)}`);
    }
  }
  return metadata as Record<string, string>;
}
