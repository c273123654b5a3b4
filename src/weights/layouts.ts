/**
 * Name and layout maps: which tensor name in a file holds which weight of a model, and in
 * which order, for each {@link WeightLayout}. Maps are derived from the model's layer
 * names (the Keras names that `resnet()` gives), so they cover all ten nets of Table 1,
 * plain and residual, and every shortcut option.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { placeOfLayerName, torchvisionModule } from "../arch/naming.js";
import type { LayerKind } from "../arch/types.js";
import { WeightsError } from "./errors.js";
import { fileShape, type KernelOrder } from "./kernelOrder.js";

/**
 * How the tensors of a file are named and ordered:
 * - `'native'`: every weight of any tfjs `LayersModel` as `<layer>/<weight>` with the tfjs
 *   weight names (`conv1_conv/kernel`, `conv1_bn/moving_mean`), in TensorFlow order
 *   (kernels `[height, width, in, out]`, dense `[in, out]`).
 * - `'keras'`: Keras's names, which for this library's models are the same as the native
 *   ones: `conv2_block1_1_conv/kernel`, `conv2_block1_1_bn/gamma`, `.../beta`,
 *   `.../moving_mean`, `.../moving_variance`, `predictions/kernel`. These are Keras 3's
 *   variable paths and the names of a tensorflowjs_converter weights manifest; on reading,
 *   the `:0` suffix of Keras 2 (`conv1_conv/kernel:0`) is also accepted.
 * - `'torchvision'`: a torchvision (or timm) ResNet state dict: `conv1.weight`, `bn1.weight`
 *   / `bias` / `running_mean` / `running_var`, `layer1.0.conv1.weight`,
 *   `layer1.0.downsample.0.weight` (projection conv), `layer1.0.downsample.1.*` (its batch
 *   norm), `fc.weight`, `fc.bias`; kernels `[out, in, height, width]`, the fc matrix
 *   `[out, in]`. `num_batches_tracked` is ignored on reading.
 */
export type WeightLayout = "native" | "torchvision" | "keras";

/** The layouts, in the order they are documented. */
export const WEIGHT_LAYOUTS: readonly WeightLayout[] = ["native", "torchvision", "keras"];

/** One model weight and where it lives in a file of some layout. */
export interface WeightSlot {
  /** Tensor name in the file. */
  key: string;
  /** The weight in the model, `<layer>/<weight>`. */
  weight: string;
  /** The model's variable. */
  variable: tfl.LayerVariable;
  /** How the file orders the values relative to the model. */
  order: KernelOrder;
  /** Shape in the model. */
  modelShape: number[];
  /** Shape in the file. */
  shape: number[];
}

/** The tfjs weight name (`kernel`, `gamma`, `moving_mean`, ...) of a layer variable. */
function shortName(variable: tfl.LayerVariable): string {
  const parts = variable.originalName.split("/");
  return parts[parts.length - 1]!;
}

const TORCH_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Conv2D: { kernel: "weight", bias: "bias" },
  GroupedConv2D: { kernel: "weight", bias: "bias" },
  Dense: { kernel: "weight", bias: "bias" },
  BatchNormalization: { gamma: "weight", beta: "bias", moving_mean: "running_mean", moving_variance: "running_var" },
};

/** The kind of description a tfjs layer class with weights stands for. */
const KIND_OF_CLASS: Readonly<Record<string, LayerKind>> = { Conv2D: "conv", GroupedConv2D: "conv", BatchNormalization: "batchNorm", Dense: "dense" };

/** The torchvision module path of one of our layers, or undefined if it has none. */
function torchModule(layerName: string, className: string): string | undefined {
  const place = placeOfLayerName(layerName);
  const kind = KIND_OF_CLASS[className];
  return place === null || kind === undefined ? undefined : torchvisionModule(place, kind);
}

/**
 * Every weight of `model` and its tensor name, order and shape in a file of `layout`.
 *
 * @throws WeightsError if the layout has no name for some weight of the model (e.g. a
 *   layer added to a ResNet, in the torchvision layout).
 */
export function weightSlots(model: tfl.LayersModel, layout: WeightLayout): WeightSlot[] {
  const slots: WeightSlot[] = [];
  const problems: string[] = [];
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      const name = shortName(variable);
      const weight = `${layer.name}/${name}`;
      let key = weight;
      let order: KernelOrder = "same";
      if (layout === "torchvision") {
        const className = layer.getClassName();
        const module = torchModule(layer.name, className);
        const torchName = TORCH_NAMES[className]?.[name];
        if (module === undefined || torchName === undefined) {
          problems.push(`${weight} (a ${className} layer) has no torchvision name`);
          continue;
        }
        key = `${module}.${torchName}`;
        if (name === "kernel") order = className === "Dense" ? "transposed" : "oihw";
      }
      const modelShape = variable.shape as number[]; // weights always have a full shape
      slots.push({ key, weight, variable, order, modelShape, shape: fileShape(order, modelShape) });
    }
  }
  if (problems.length > 0) {
    throw new WeightsError(
      `the torchvision layout names only the layers of a ResNet (conv1_conv, conv1_bn, convS_blockB_K_conv/bn, predictions):`,
      problems,
      `Use layout "native" for other models.`,
    );
  }
  const seen = new Map<string, string>();
  for (const slot of slots) {
    const other = seen.get(slot.key);
    if (other !== undefined) {
      throw new WeightsError(`the ${layout} layout gives two weights the same name:`, [
        `${JSON.stringify(slot.key)} for both ${other} and ${slot.weight}`,
      ]);
    }
    seen.set(slot.key, slot.weight);
  }
  return slots;
}

/**
 * The name a file's tensor is matched by in `layout`: Keras 2's `:0` suffix is dropped in
 * the Keras layout; other names are kept.
 */
export function matchingKey(layout: WeightLayout, key: string): string {
  return layout === "keras" && key.endsWith(":0") ? key.slice(0, -2) : key;
}

/** Whether a file's tensor is not a weight and is skipped by name (`num_batches_tracked`). */
export function isIgnoredKey(key: string): boolean {
  return key === "num_batches_tracked" || key.endsWith(".num_batches_tracked");
}
