/**
 * Writes a built ResNet (a tfjs-layers `LayersModel` of `src/models`) as an ONNX graph with
 * the same weights, so that onnxruntime runs the very network tfjs runs. The graph is NCHW,
 * as ONNX models of ResNets are; batch norm is left unfolded (onnxruntime folds it into the
 * convolutions itself, as it would for any exported model).
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { encodeModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnxProto.js";

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /**
   * Layout of the graph's input: `'NCHW'` (default; the caller transposes the NHWC image
   * once) or `'NHWC'` (the graph starts with a Transpose node and takes tfjs's layout).
   */
  inputLayout?: "NCHW" | "NHWC";
  /** Operator set version of the default domain. Default 17. */
  opset?: number;
}

/** An exported graph and the names of its values. */
export interface OnnxExport {
  /** The `.onnx` file. */
  bytes: Uint8Array;
  /** Name of the graph input (`[batch, 3, h, w]` for NCHW, `[batch, h, w, 3]` for NHWC). */
  input: string;
  /** Layout of the input. */
  inputLayout: "NCHW" | "NHWC";
  /** Name of the output: the model's output, same layout as tfjs's (NHWC for a 4-D output). */
  output: string;
  /** Name of the classifier's pre-softmax output, when the model ends in a softmax dense layer. */
  logits?: string;
}

type Shape = readonly (number | null)[];

/** A layer's weights by their short name (`kernel`, `gamma`, ...), as float32 values. */
type Weights = Map<string, { shape: readonly number[]; values: Float32Array }>;

/** Padding that a ZeroPadding2D layer would add, kept aside so that the consumer can absorb it. */
interface PendingPad {
  source: string;
  pads: [top: number, left: number, bottom: number, right: number];
  materialized?: string;
}

/**
 * Exports `model` to ONNX. Supports the layers `resnet()` builds (all presets, shortcuts A, B
 * and C, with or without the top): InputLayer, ZeroPadding2D, Conv2D, BatchNormalization,
 * Activation (relu, softmax, linear), MaxPooling2D, Add, ZeroPadShortcut,
 * GlobalAveragePooling2D, GlobalMaxPooling2D and Dense.
 *
 * Mapping: Conv2D kernels go from tfjs's HWIO to ONNX's OIHW; a ZeroPadding2D feeding only
 * convolutions becomes their `pads`; one feeding a max pool whose input is a ReLU output
 * becomes the pool's `pads` (exact: the input is non-negative, so zeros never win over a real
 * value); any other becomes a Pad node. The option-A shortcut becomes Slice (steps = stride)
 * and Pad of the channels.
 *
 * @throws TypeError naming the layer, for a layer kind or setting it cannot express.
 */
export async function exportOnnx(model: tfl.LayersModel, options: ExportOnnxOptions = {}): Promise<OnnxExport> {
  const inputLayout = options.inputLayout ?? "NCHW";
  if (inputLayout !== "NCHW" && inputLayout !== "NHWC") {
    throw new RangeError(`options.inputLayout must be "NCHW" or "NHWC"; got ${JSON.stringify(inputLayout)}`);
  }
  const builder = new GraphBuilder();
  const values = new Map<string, string>(); // tfjs layer name -> ONNX value name (NCHW)
  const pendingPads = new Map<string, PendingPad>();
  const nonNegative = new Set<string>(); // ONNX values known to be >= 0 (ReLU outputs)
  let logits: string | undefined;
  let graphInput: OnnxValueInfo | undefined;

  const resolve = (layerName: string, consumer: string): string => {
    const pad = pendingPads.get(layerName);
    if (pad) {
      if (!pad.materialized) {
        const [top, left, bottom, right] = pad.pads;
        const pads = builder.int64(`${layerName}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
        pad.materialized = builder.node("Pad", layerName, [pad.source, pads]);
      }
      return pad.materialized;
    }
    const value = values.get(layerName);
    if (value === undefined) throw new Error(`internal: ${consumer} reads ${layerName}, which is not exported yet`);
    return value;
  };

  for (const layer of model.layers) {
    const className = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const name = layer.name;
    if (layer.inboundNodes.length > 1) {
      throw new TypeError(`layer ${name} is applied ${layer.inboundNodes.length} times; shared layers are not supported`);
    }
    const inboundLayers = layer.inboundNodes[0]?.inboundLayers ?? [];
    const inbound = inboundLayers.map((l) => l.name);
    const inputShape = (inboundLayers[0]?.outputShape ?? []) as Shape;
    const outputShape = layer.outputShape as Shape;
    const weights = await readWeights(layer);
    const only = () => {
      if (inbound.length !== 1) throw new TypeError(`layer ${name} (${className}) must have one input; got ${inbound.length}`);
      return inbound[0]!;
    };

    switch (className) {
      case "InputLayer": {
        const [, h, w, c] = outputShape;
        if (graphInput) throw new TypeError("models with several inputs are not supported");
        if (inputLayout === "NCHW") {
          graphInput = { name, shape: ["batch", c!, h!, w!] };
          values.set(name, name);
        } else {
          graphInput = { name, shape: ["batch", h!, w!, c!] };
          values.set(name, builder.node("Transpose", `${name}_nchw`, [name], { perm: { type: "ints", value: [0, 3, 1, 2] } }));
        }
        break;
      }
      case "ZeroPadding2D": {
        const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
        pendingPads.set(name, { source: resolve(only(), name), pads: [top, left, bottom, right] });
        break;
      }
      case "Conv2D": {
        checkChannelsLast(name, config);
        const [kh, kw] = config.kernelSize as [number, number];
        const strides = config.strides as [number, number];
        const dilations = (config.dilationRate as [number, number] | number | undefined) ?? [1, 1];
        const dilation = typeof dilations === "number" ? [dilations, dilations] : dilations;
        const own = samePads(name, config.padding as string, inputShape, [kh, kw], strides, dilation as [number, number]);
        const source = only();
        const pad = pendingPads.get(source);
        let input: string;
        let pads = own;
        if (pad && !pad.materialized && everyConsumerIs(model, source, ["Conv2D"])) {
          input = pad.source;
          pads = [own[0] + pad.pads[0], own[1] + pad.pads[1], own[2] + pad.pads[2], own[3] + pad.pads[3]];
        } else {
          input = resolve(source, name);
        }
        const kernel = weights.get("kernel")!;
        const inputs = [input, builder.float(`${name}_W`, [kernel.shape[3]!, kernel.shape[2]!, kh, kw], hwioToOihw(kernel.values, kernel.shape))];
        const bias = weights.get("bias");
        if (bias) inputs.push(builder.float(`${name}_B`, bias.shape, bias.values));
        values.set(
          name,
          builder.node("Conv", name, inputs, {
            kernel_shape: { type: "ints", value: [kh, kw] },
            strides: { type: "ints", value: strides },
            dilations: { type: "ints", value: dilation as [number, number] },
            pads: { type: "ints", value: pads },
            group: { type: "int", value: 1 },
          }),
        );
        break;
      }
      case "BatchNormalization": {
        const axis = config.axis as number;
        if (axis !== -1 && axis !== 3) throw new TypeError(`layer ${name}: batch norm over axis ${axis}; only the channel axis (-1) is supported`);
        const channels = outputShape[3]!;
        const ones = () => new Float32Array(channels).fill(1);
        const param = (key: string, fallback: () => Float32Array) =>
          builder.float(`${name}_${key}`, [channels], weights.get(key)?.values ?? fallback());
        const inputs = [
          resolve(only(), name),
          param("gamma", ones),
          param("beta", () => new Float32Array(channels)),
          param("moving_mean", () => new Float32Array(channels)),
          param("moving_variance", ones),
        ];
        values.set(name, builder.node("BatchNormalization", name, inputs, { epsilon: { type: "float", value: config.epsilon as number } }));
        break;
      }
      case "Activation": {
        const input = resolve(only(), name);
        const out = activation(builder, name, config.activation as string, input);
        values.set(name, out);
        if (config.activation === "relu") nonNegative.add(out);
        break;
      }
      case "MaxPooling2D": {
        checkChannelsLast(name, config);
        const pool = config.poolSize as [number, number];
        const strides = config.strides as [number, number];
        let pads = samePads(name, config.padding as string, inputShape, pool, strides, [1, 1]);
        const source = only();
        const pad = pendingPads.get(source);
        let input: string;
        if (pad && !pad.materialized && nonNegative.has(pad.source) && everyConsumerIs(model, source, ["MaxPooling2D"])) {
          input = pad.source;
          pads = [pads[0] + pad.pads[0], pads[1] + pad.pads[1], pads[2] + pad.pads[2], pads[3] + pad.pads[3]];
          if (Math.max(...pads) >= Math.min(...pool)) throw new TypeError(`layer ${name}: padding as large as the pool window`);
        } else {
          input = resolve(source, name);
        }
        const out = builder.node("MaxPool", name, [input], {
          kernel_shape: { type: "ints", value: pool },
          strides: { type: "ints", value: strides },
          pads: { type: "ints", value: pads },
        });
        values.set(name, out);
        if (nonNegative.has(input)) nonNegative.add(out);
        break;
      }
      case "Add": {
        const inputs = inbound.map((source) => resolve(source, name));
        values.set(name, builder.node(inputs.length === 2 ? "Add" : "Sum", name, inputs));
        break;
      }
      case "ZeroPadShortcut": {
        const stride = config.stride as number;
        const channels = config.channels as number;
        const [, h, w, c] = inputShape;
        let value = resolve(only(), name);
        if (stride !== 1) {
          value = builder.node("Slice", `${name}_subsample`, [
            value,
            builder.int64(`${name}_starts`, [0, 0]),
            builder.int64(`${name}_ends`, [h!, w!]),
            builder.int64(`${name}_axes`, [2, 3]),
            builder.int64(`${name}_steps`, [stride, stride]),
          ]);
        }
        if (channels !== c) {
          value = builder.node("Pad", name, [value, builder.int64(`${name}_pads`, [0, 0, 0, 0, 0, channels - c!, 0, 0])]);
        }
        values.set(name, value);
        break;
      }
      case "GlobalAveragePooling2D":
      case "GlobalMaxPooling2D": {
        checkChannelsLast(name, config);
        const op = className === "GlobalAveragePooling2D" ? "GlobalAveragePool" : "GlobalMaxPool";
        const pooled = builder.node(op, `${name}_pool`, [resolve(only(), name)]);
        values.set(name, builder.node("Flatten", name, [pooled], { axis: { type: "int", value: 1 } }));
        break;
      }
      case "Dense": {
        if (inputShape.length !== 2) throw new TypeError(`layer ${name}: dense on a ${inputShape.length}-D input; only 2-D is supported`);
        const kernel = weights.get("kernel")!;
        const inputs = [resolve(only(), name), builder.float(`${name}_W`, kernel.shape, kernel.values)];
        const bias = weights.get("bias");
        if (bias) inputs.push(builder.float(`${name}_B`, bias.shape, bias.values));
        const act = config.activation as string;
        const linear = builder.node("Gemm", act === "linear" ? name : `${name}_logits`, inputs);
        if (act === "softmax") logits = linear;
        values.set(name, act === "linear" ? linear : activation(builder, name, act, linear));
        break;
      }
      default:
        throw new TypeError(`layer ${name}: ${className} has no ONNX export here`);
    }
  }

  if (!graphInput) throw new TypeError("the model has no InputLayer");
  if (model.outputs.length !== 1) throw new TypeError(`models with ${model.outputs.length} outputs are not supported`);
  const outLayer = model.outputLayers[0]!;
  const outShape = outLayer.outputShape as Shape;
  let output = resolve(outLayer.name, "the graph output");
  let outputInfo: OnnxValueInfo;
  if (outShape.length === 4) {
    // Keep tfjs's NHWC layout at the output so that both are compared element by element.
    output = builder.node("Transpose", `${outLayer.name}_nhwc`, [output], { perm: { type: "ints", value: [0, 2, 3, 1] } });
    outputInfo = { name: output, shape: ["batch", outShape[1]!, outShape[2]!, outShape[3]!] };
  } else {
    outputInfo = { name: output, shape: ["batch", ...outShape.slice(1).map((d) => d!)] };
  }
  const outputs = [outputInfo];
  if (logits) outputs.push({ name: logits, shape: outputInfo.shape });

  const bytes = encodeModel({
    irVersion: 8,
    opset: options.opset ?? 17,
    producerName: "resnet-blocks bench",
    graph: { name: model.name, nodes: builder.nodes, initializers: builder.initializers, inputs: [graphInput], outputs },
  });
  return { bytes, input: graphInput.name, inputLayout, output, ...(logits ? { logits } : {}) };
}

/** Collects nodes and initializers; each node's single output is named after the node. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];

  node(opType: string, name: string, inputs: readonly string[], attributes?: OnnxNode["attributes"]): string {
    this.nodes.push({ opType, name, inputs, outputs: [name], ...(attributes ? { attributes } : {}) });
    return name;
  }

  float(name: string, dims: readonly number[], data: Float32Array): string {
    this.initializers.push({ name, dims, dataType: "float", data });
    return name;
  }

  int64(name: string, data: readonly number[]): string {
    this.initializers.push({ name, dims: [data.length], dataType: "int64", data });
    return name;
  }
}

function activation(builder: GraphBuilder, name: string, kind: string, input: string): string {
  switch (kind) {
    case "relu":
      return builder.node("Relu", name, [input]);
    case "softmax":
      return builder.node("Softmax", name, [input], { axis: { type: "int", value: 1 } });
    case "linear":
      return builder.node("Identity", name, [input]);
    default:
      throw new TypeError(`layer ${name}: activation ${JSON.stringify(kind)} has no ONNX export here (relu, softmax, linear)`);
  }
}

async function readWeights(layer: tfl.layers.Layer): Promise<Weights> {
  const weights: Weights = new Map();
  for (const variable of layer.weights) {
    const key = variable.originalName.slice(variable.originalName.lastIndexOf("/") + 1);
    const values = (await variable.read().data()) as Float32Array;
    weights.set(key, { shape: variable.shape as number[], values });
  }
  return weights;
}

function checkChannelsLast(name: string, config: Record<string, unknown>): void {
  if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") {
    throw new TypeError(`layer ${name}: dataFormat ${JSON.stringify(config.dataFormat)}; only channelsLast is supported`);
  }
}

/** Whether every layer reading `layerName`'s output is of one of `classNames`. */
function everyConsumerIs(model: tfl.LayersModel, layerName: string, classNames: readonly string[]): boolean {
  const layer = model.getLayer(layerName);
  return layer.outboundNodes.every((node) => classNames.includes(node.outboundLayer.getClassName()));
}

/** ONNX `pads` [top, left, bottom, right] of a tfjs `'same'` or `'valid'` window (TensorFlow puts the odd one at the end). */
function samePads(
  name: string,
  padding: string,
  inputShape: Shape,
  window: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
): [number, number, number, number] {
  if (padding === "valid") return [0, 0, 0, 0];
  if (padding !== "same") throw new TypeError(`layer ${name}: padding ${JSON.stringify(padding)}; only same and valid are supported`);
  const total = [1, 2].map((axis, i) => {
    const size = inputShape[axis]!;
    const out = Math.ceil(size / strides[i]!);
    const span = (window[i]! - 1) * dilation[i]! + 1;
    return Math.max((out - 1) * strides[i]! + span - size, 0);
  });
  const [th, tw] = total as [number, number];
  return [Math.floor(th / 2), Math.floor(tw / 2), th - Math.floor(th / 2), tw - Math.floor(tw / 2)];
}

/** [kh, kw, in, out] -> [out, in, kh, kw]. */
function hwioToOihw(values: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        const src = ((y * kw + x) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = values[src + o]!;
      }
    }
  }
  return out;
}
