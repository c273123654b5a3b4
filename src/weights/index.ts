/**
 * `resnet-blocks/weights`: safetensors in and out, in plain TypeScript (Node and the
 * browser), with the name and layout maps of torchvision (and timm) and Keras, so that
 * weights trained elsewhere load and give the same outputs.
 *
 * @example
 * ```ts
 * import { resnet50 } from "resnet-blocks";
 * import { loadSafetensors, saveSafetensors } from "resnet-blocks/weights";
 * const model = resnet50({ preset: "torchvision" });
 * loadSafetensors(model, bytes, { layout: "torchvision" }); // a torchvision state dict
 * const keras = await saveSafetensors(model, { layout: "keras" });
 * ```
 *
 * @module
 */
export { loadSafetensors } from "./load.js";
export { saveSafetensors, type SaveOptions } from "./save.js";
export { loadTfjsWeights, type TfjsWeights } from "./tfjsWeights.js";
export type { LoadOptions, LoadResult } from "./assign.js";
export { WEIGHT_LAYOUTS, weightSlots, type WeightLayout, type WeightSlot } from "./layouts.js";
export type { KernelOrder } from "./kernelOrder.js";
export { FLOAT_DTYPES, type WeightDtype } from "./dtypes.js";
export { decodeSafetensors, encodeSafetensors, type SafetensorsFile, type SafetensorsTensor } from "./safetensors.js";
export { WeightsError, WeightsFileError } from "./errors.js";
