/**
 * `saveSafetensors`: a model's weights as a safetensors file.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkOneOf, checkOptionsObject, describeValue } from "../spec/check.js";
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
}

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
 *   the torchvision layout); TypeError or RangeError for bad options.
 */
export async function saveSafetensors(model: tfl.LayersModel, options: SaveOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkOptionsObject("options", options);
  const layout = checkOneOf("options.layout", options.layout ?? "native", WEIGHT_LAYOUTS);
  const dtype = FLOAT_DTYPES[checkOneOf("options.dtype", options.dtype ?? "float32", Object.keys(FLOAT_DTYPES) as WeightDtype[])];
  const metadata = { ...(layout === "torchvision" ? { format: "pt" } : {}), ...checkMetadata(options.metadata) };
  const slots = weightSlots(model, layout);
  const tensors: SafetensorsTensor[] = [];
  for (const slot of slots) {
    const values = (await slot.variable.read().data()) as Float32Array;
    const ordered = toFileOrder(slot.order, values, slot.modelShape);
    tensors.push({ name: slot.key, dtype, shape: slot.shape, data: encodeFloats(dtype, ordered) });
  }
  return encodeSafetensors(tensors, metadata);
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
