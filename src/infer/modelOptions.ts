/**
 * The check of a `model` option (the options of `resnet()`) shared by the Node worker pool and
 * the browser worker: Node-free, and it builds nothing.
 *
 * @module
 */
import type { ResNetBuildOptions } from "../models/resnet.js";
import { checkInteger, checkOptionsObject, describeValue } from "../util/check.js";
import { resnetSpec } from "../arch/resnetSpec.js";
import type { ResNetSpec } from "../arch/types.js";

/**
 * Checks `options.model` as `resnet()` would, without building it, and returns its resolved
 * description. Errors say where the option sits: `options.model: depth must be one of ...`.
 */
export function checkModelOptions(model: unknown): ResNetSpec {
  if (model === undefined) throw new TypeError("options.model is required: the options of resnet(), e.g. { depth: 50 }");
  checkOptionsObject("options.model", model);
  const { seed, name, ...specOptions } = model as ResNetBuildOptions;
  try {
    if (seed !== undefined) checkInteger("seed", seed, 0);
    if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
      throw new TypeError(`name must be a non-empty string; got ${describeValue(name)}`);
    }
    return resnetSpec(specOptions);
  } catch (error) {
    if (error instanceof RangeError && error.message.startsWith("options.model")) throw error;
    if (error instanceof RangeError) throw new RangeError(`options.model: ${error.message}`, { cause: error });
    if (error instanceof TypeError) throw new TypeError(`options.model: ${error.message}`, { cause: error });
    throw error;
  }
}
