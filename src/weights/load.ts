/**
 * `loadSafetensors`: weights from a safetensors file into a model.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { assignStoredTensors, checkLoadArguments, type LoadOptions, type LoadResult, type StoredTensor } from "./assign.js";
import { decodeFloats, isFloatDtype } from "./dtypes.js";
import { decodeSafetensors } from "./safetensors.js";

/**
 * Loads the weights of a safetensors file into `model`, in the naming and order of
 * `options.layout`. The whole file is read and checked before any weight is assigned:
 * on any error the model's weights are unchanged. Float32, float16 and bfloat16 tensors
 * are read; `num_batches_tracked` is skipped.
 *
 * Works in Node and the browser: pass the file's bytes.
 *
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { resnet50 } from "resnet-blocks";
 * import { loadSafetensors } from "resnet-blocks/weights";
 * // torchvision: torch.save -> safetensors.torch.save_file(model.state_dict(), "resnet50.safetensors")
 * const model = resnet50({ preset: "torchvision" });
 * loadSafetensors(model, readFileSync("resnet50.safetensors"), { layout: "torchvision" });
 * ```
 * @throws WeightsFileError if the file is truncated, corrupt or not safetensors.
 * @throws WeightsError listing every missing tensor, extra tensor, shape mismatch (with
 *   both shapes) and wrong dtype, each by name.
 */
export function loadSafetensors(
  model: tfl.LayersModel,
  bytes: Uint8Array | ArrayBuffer,
  options?: LoadOptions,
): LoadResult {
  const resolved = checkLoadArguments(model, options, "loadSafetensors");
  const file = decodeSafetensors(bytes);
  const stored: StoredTensor[] = file.tensors.map((tensor) => ({
    name: tensor.name,
    dtype: tensor.dtype,
    shape: tensor.shape,
    readable: isFloatDtype(tensor.dtype),
    read: () => {
      if (!isFloatDtype(tensor.dtype)) throw new Error(`internal: ${tensor.name} is ${tensor.dtype}`);
      return decodeFloats(tensor.dtype, tensor.data);
    },
  }));
  return assignStoredTensors(model, stored, resolved, "safetensors file");
}
