/**
 * What the ONNX exporter can write, checked over the whole model before any weight is read
 * or any byte written: {@link checkExportable} throws an {@link OnnxExportError} naming the
 * first layer (its name and class) it cannot express, and what would be accepted.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** The tfjs-layers classes the exporter writes (every layer the library's nets are made of). */
export const EXPORTABLE_LAYERS = [
  "InputLayer",
  "ZeroPadding2D",
  "Conv2D",
  "GroupedConv2D",
  "BatchNormalization",
  "Activation",
  "MaxPooling2D",
  "Add",
  "ZeroPadShortcut",
  "GlobalAveragePooling2D",
  "GlobalMaxPooling2D",
  "Dense",
] as const;

/** Activations written as ONNX operators (in `Activation` and `Dense` layers). */
export const EXPORTABLE_ACTIVATIONS = ["relu", "softmax", "linear"] as const;

/**
 * A model the exporter cannot write: names the layer (`layerName`, `className`) and what it
 * cannot express. Thrown before anything is read or written.
 */
export class OnnxExportError extends TypeError {
  /** Name of the layer that cannot be exported (empty for a model-level reason). */
  readonly layerName: string;
  /** Its tfjs-layers class (`Conv2D`, ...), or empty for a model-level reason. */
  readonly className: string;

  constructor(layerName: string, className: string, reason: string) {
    super(layerName ? `cannot export layer "${layerName}" (${className}) to ONNX: ${reason}` : `cannot export the model to ONNX: ${reason}`);
    this.name = "OnnxExportError";
    this.layerName = layerName;
    this.className = className;
  }
}

type Config = Record<string, unknown>;

/**
 * Checks that every layer of `model` can be exported, and that the model has one 4-D
 * image input and one output.
 *
 * @throws OnnxExportError naming the first layer it cannot express.
 */
export function checkExportable(model: tfl.LayersModel): void {
  if (model.inputs.length !== 1) throw new OnnxExportError("", "", `it has ${model.inputs.length} inputs; one image input is supported`);
  if (model.outputs.length !== 1) throw new OnnxExportError("", "", `it has ${model.outputs.length} outputs; one is supported`);
  for (const layer of model.layers) {
    const reason = unexportableReason(layer);
    if (reason !== undefined) throw new OnnxExportError(layer.name, layer.getClassName(), reason);
  }
}

/** Why `layer` cannot be exported, or undefined when it can. */
function unexportableReason(layer: tfl.layers.Layer): string | undefined {
  const className = layer.getClassName();
  if (!(EXPORTABLE_LAYERS as readonly string[]).includes(className)) {
    return `the class has no ONNX export here; exportable: ${EXPORTABLE_LAYERS.join(", ")}`;
  }
  if (layer.inboundNodes.length > 1) return `it is applied ${layer.inboundNodes.length} times; shared layers are not supported`;
  const config = layer.getConfig() as Config;
  const inputs = layer.inboundNodes[0]?.inboundLayers ?? [];
  for (const variable of layer.weights) {
    if (variable.dtype !== "float32") return `weight ${variable.originalName} is ${variable.dtype}; only float32 is supported`;
  }
  if (className !== "InputLayer" && className !== "Add" && inputs.length !== 1) return `it has ${inputs.length} inputs; one is expected`;
  const inputShape = (inputs[0]?.outputShape ?? []) as readonly (number | null)[];
  switch (className) {
    case "InputLayer": {
      const shape = layer.outputShape as readonly (number | null)[];
      if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) {
        return `input shape ${JSON.stringify(shape)}; a [batch, height, width, channels] image with fixed height, width and channels is supported`;
      }
      return undefined;
    }
    case "Conv2D":
    case "GroupedConv2D":
    case "MaxPooling2D":
      return channelsLast(config) ?? padding(config) ?? (className !== "MaxPooling2D" && (config.activation ?? "linear") !== "linear" ? `activation ${JSON.stringify(config.activation)} inside a convolution; only linear is supported (use an Activation layer)` : undefined);
    case "ZeroPadding2D":
    case "GlobalAveragePooling2D":
    case "GlobalMaxPooling2D":
      return channelsLast(config);
    case "BatchNormalization": {
      const axis = config.axis;
      return axis === -1 || axis === 3 ? undefined : `batch norm over axis ${JSON.stringify(axis)}; only the channel axis (-1 or 3) is supported`;
    }
    case "Activation":
      return activationOf(config);
    case "Dense":
      if (inputShape.length !== 2) return `dense on a ${inputShape.length}-D input; only a 2-D [batch, features] input is supported`;
      return activationOf(config);
    default:
      return undefined;
  }
}

function activationOf(config: Config): string | undefined {
  const kind = config.activation ?? "linear";
  return (EXPORTABLE_ACTIVATIONS as readonly unknown[]).includes(kind)
    ? undefined
    : `activation ${JSON.stringify(kind)} has no ONNX export here; supported: ${EXPORTABLE_ACTIVATIONS.join(", ")}`;
}

function channelsLast(config: Config): string | undefined {
  return config.dataFormat === undefined || config.dataFormat === "channelsLast"
    ? undefined
    : `dataFormat ${JSON.stringify(config.dataFormat)}; only channelsLast is supported`;
}

function padding(config: Config): string | undefined {
  return config.padding === "same" || config.padding === "valid" ? undefined : `padding ${JSON.stringify(config.padding)}; only same and valid are supported`;
}
