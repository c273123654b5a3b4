/**
 * Writes a built ResNet (a tfjs-layers `LayersModel`: any net of `resnet()`, the named
 * factories, `cifarResnet`, or a model of the blocks) as an ONNX graph with the same
 * weights, so that onnxruntime or Triton runs the very network tfjs runs.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkExportable } from "./exportable.js";
import { encodeModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from "./onnxProto.js";
import { irVersionOf, resolveOnnxOptions, type OnnxInputLayout, type ToOnnxOptions } from "./options.js";

/** Names of the exported graph's values, the same for every model. */
export const ONNX_NAMES = {
  /** The image input: `[batch, 3, h, w]` (NCHW) or `[batch, h, w, 3]` (NHWC). */
  input: "input",
  /** The model's output (probabilities for a softmax top, features for a net without one). */
  output: "output",
  /** The classifier's pre-softmax scores, a second output of nets with a softmax top. */
  logits: "logits",
} as const;

/** An exported graph and what it holds. */
export interface OnnxExport {
  /** The `.onnx` file. */
  bytes: Uint8Array;
  /** Name of the graph input, {@link ONNX_NAMES}`.input`. */
  input: string;
  /** Layout of the input. */
  inputLayout: OnnxInputLayout;
  /** Name of the model's output, {@link ONNX_NAMES}`.output`. */
  output: string;
  /** Name of the pre-softmax output when the model ends in a softmax dense layer ({@link ONNX_NAMES}`.logits`). */
  logits?: string;
  /** Shape of the input; `"batch"` is the dynamic batch dimension. */
  inputShape: (number | string)[];
  /** Shape of the output (and of the logits). */
  outputShape: (number | string)[];
  /** Opset of the default domain. */
  opset: number;
  /** The `metadata_props` written, in order. */
  metadata: [string, string][];
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
 * Exports `model` to ONNX and says what the graph holds; {@link toOnnx} returns its bytes.
 * The whole model and the options are checked first: nothing is read or written for a
 * model with a layer it cannot express.
 *
 * Mapping: Conv2D kernels go from tfjs's HWIO to ONNX's OIHW; a ZeroPadding2D feeding only
 * convolutions becomes their `pads`; one feeding a max pool whose input is a ReLU output
 * becomes the pool's `pads` (exact: the input is non-negative, so zeros never win over a real
 * value); any other becomes a Pad node. The option-A shortcut (ZeroPadShortcut) becomes
 * Slice (steps = stride) and Pad of the channels. A dense softmax top becomes Gemm (the
 * `logits` output) and Softmax (`output`).
 *
 * @throws OnnxExportError naming the layer (name and class) it cannot export; TypeError or
 *   RangeError naming a bad option.
 */
export async function exportOnnx(model: tfl.LayersModel, options?: ToOnnxOptions): Promise<OnnxExport> {
  const resolved = resolveOnnxOptions(options);
  if (typeof model !== "object" || model === null || !Array.isArray((model as { layers?: unknown }).layers)) {
    throw new TypeError(`model must be a tfjs-layers LayersModel; got ${model === null ? "null" : typeof model}`);
  }
  checkExportable(model);
  const { inputLayout, foldBatchNorm } = resolved;
  const builder = new GraphBuilder();
  const values = new Map<string, string>(); // tfjs layer name -> ONNX value name (NCHW)
  const pendingPads = new Map<string, PendingPad>();
  const folded = new Set<string>(); // batch norm layers folded into the convolution before them
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
    const inboundLayers = layer.inboundNodes[0]?.inboundLayers ?? [];
    const inbound = inboundLayers.map((l) => l.name);
    const inputShape = (inboundLayers[0]?.outputShape ?? []) as Shape;
    const outputShape = layer.outputShape as Shape;
    const only = () => inbound[0]!;

    switch (className) {
      case "InputLayer": {
        const [, h, w, c] = outputShape;
        const input = ONNX_NAMES.input;
        if (inputLayout === "NCHW") {
          graphInput = { name: input, shape: ["batch", c!, h!, w!] };
          values.set(name, input);
        } else {
          graphInput = { name: input, shape: ["batch", h!, w!, c!] };
          values.set(name, builder.node("Transpose", `${name}_nchw`, [input], { perm: { type: "ints", value: [0, 3, 1, 2] } }));
        }
        break;
      }
      case "ZeroPadding2D": {
        const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
        pendingPads.set(name, { source: resolve(only(), name), pads: [top, left, bottom, right] });
        break;
      }
      case "Conv2D":
      case "GroupedConv2D": {
        const [kh, kw] = config.kernelSize as [number, number];
        const strides = config.strides as [number, number];
        const dilations = (config.dilationRate as [number, number] | number | undefined) ?? [1, 1];
        const dilation = (typeof dilations === "number" ? [dilations, dilations] : dilations) as [number, number];
        const own = samePads(config.padding as string, inputShape, [kh, kw], strides, dilation);
        const source = only();
        const pad = pendingPads.get(source);
        let input: string;
        let pads = own;
        if (pad && !pad.materialized && everyConsumerIs(model, source, ["Conv2D", "GroupedConv2D"])) {
          input = pad.source;
          pads = [own[0] + pad.pads[0], own[1] + pad.pads[1], own[2] + pad.pads[2], own[3] + pad.pads[3]];
        } else {
          input = resolve(source, name);
        }
        const weights = await readWeights(layer);
        const kernel = weights.get("kernel")!;
        let w = hwioToOihw(kernel.values, kernel.shape);
        let b = weights.get("bias")?.values;
        let valueName = name;
        const bn = foldBatchNorm ? soleBatchNormConsumer(model, layer) : undefined;
        if (bn) {
          ({ w, b } = foldIntoConv(w, b, await readWeights(bn), bn.getConfig().epsilon as number));
          folded.add(bn.name);
          valueName = `${name}_${bn.name}`;
        }
        const inputs = [input, builder.float(`${name}_W`, [kernel.shape[3]!, kernel.shape[2]!, kh, kw], w)];
        if (b) inputs.push(builder.float(`${name}_B`, [b.length], b));
        values.set(
          name,
          builder.node("Conv", valueName, inputs, {
            kernel_shape: { type: "ints", value: [kh, kw] },
            strides: { type: "ints", value: strides },
            dilations: { type: "ints", value: dilation },
            pads: { type: "ints", value: pads },
            group: { type: "int", value: Number(config.groups ?? 1) },
          }),
        );
        if (bn) values.set(bn.name, values.get(name)!);
        break;
      }
      case "BatchNormalization": {
        if (folded.has(name)) break;
        const channels = outputShape[3]!;
        const weights = await readWeights(layer);
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
        if (config.activation === "relu" || (config.activation === "linear" && nonNegative.has(input))) nonNegative.add(out);
        break;
      }
      case "MaxPooling2D": {
        const pool = config.poolSize as [number, number];
        const strides = config.strides as [number, number];
        let pads = samePads(config.padding as string, inputShape, pool, strides, [1, 1]);
        const source = only();
        const pad = pendingPads.get(source);
        let input: string;
        const merged: [number, number, number, number] | undefined = pad && [pads[0] + pad.pads[0], pads[1] + pad.pads[1], pads[2] + pad.pads[2], pads[3] + pad.pads[3]];
        // MaxPool's own pads count as -inf. Zeros may be folded into them where the input is
        // >= 0; elsewhere (ResNetV2's stem pools its convolution's output) the zeros enter as a
        // Max with a constant that is 0 where a window reaches into the padding.
        const foldable = pad && merged && !pad.materialized && everyConsumerIs(model, source, ["MaxPooling2D"]) && Math.max(...merged) < Math.min(...pool);
        let border: string | undefined;
        if (foldable) {
          input = pad.source;
          pads = merged!;
          if (!nonNegative.has(pad.source)) {
            const [, outHeight, outWidth] = outputShape as number[];
            const [, paddedHeight, paddedWidth] = inputShape as number[];
            const unpadded: [number, number] = [paddedHeight! - pad!.pads[0] - pad!.pads[2], paddedWidth! - pad!.pads[1] - pad!.pads[3]];
            border = builder.float(`${name}_border`, [1, 1, outHeight!, outWidth!], paddingWindows(pads, pool, strides, unpadded, [outHeight!, outWidth!]));
          }
        } else {
          input = resolve(source, name);
        }
        const pooled = builder.node("MaxPool", border ? `${name}_pool` : name, [input], {
          kernel_shape: { type: "ints", value: pool },
          strides: { type: "ints", value: strides },
          pads: { type: "ints", value: pads },
        });
        const out = border ? builder.node("Max", name, [pooled, border]) : pooled;
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
        const op = className === "GlobalAveragePooling2D" ? "GlobalAveragePool" : "GlobalMaxPool";
        const pooled = builder.node(op, `${name}_pool`, [resolve(only(), name)]);
        values.set(name, builder.node("Flatten", name, [pooled], { axis: { type: "int", value: 1 } }));
        break;
      }
      case "Dense": {
        const weights = await readWeights(layer);
        const kernel = weights.get("kernel")!;
        const inputs = [resolve(only(), name), builder.float(`${name}_W`, kernel.shape, kernel.values)];
        const bias = weights.get("bias");
        if (bias) inputs.push(builder.float(`${name}_B`, bias.shape, bias.values));
        const act = (config.activation as string | undefined) ?? "linear";
        const linear = builder.node("Gemm", act === "linear" ? name : `${name}_logits`, inputs);
        if (act === "softmax") logits = linear;
        values.set(name, act === "linear" ? linear : activation(builder, name, act, linear));
        break;
      }
      default:
        throw new Error(`internal: ${className} passed checkExportable but has no export`);
    }
  }

  const outLayer = model.outputLayers[0]!;
  const outShape = outLayer.outputShape as Shape;
  let output = resolve(outLayer.name, "the graph output");
  let outputShape: (number | string)[];
  if (outShape.length === 4) {
    const [, h, w, c] = outShape as number[];
    if (inputLayout === "NHWC") {
      output = builder.node("Transpose", `${outLayer.name}_nhwc`, [output], { perm: { type: "ints", value: [0, 2, 3, 1] } });
      outputShape = ["batch", h!, w!, c!];
    } else {
      outputShape = ["batch", c!, h!, w!];
    }
  } else {
    outputShape = ["batch", ...outShape.slice(1).map((d) => d!)];
  }
  // The graph's interface gets fixed names; an output that is the input itself gets an Identity.
  if (output === ONNX_NAMES.input) output = builder.node("Identity", `${outLayer.name}_out`, [output]);
  builder.rename(output, ONNX_NAMES.output);
  const outputs: OnnxValueInfo[] = [{ name: ONNX_NAMES.output, shape: outputShape }];
  if (logits) {
    builder.rename(logits, ONNX_NAMES.logits);
    outputs.push({ name: ONNX_NAMES.logits, shape: outputShape });
  }

  const name = resolved.name ?? model.name;
  const metadata: [string, string][] = [["name", name]];
  if (resolved.preset !== undefined) metadata.push(["preset", resolved.preset]);
  if (resolved.weights !== undefined) metadata.push(["weights", resolved.weights]);
  metadata.push(["input_layout", inputLayout], ["batch_norm", foldBatchNorm ? "folded" : "kept"], ...resolved.metadata);

  const bytes = encodeModel({
    irVersion: irVersionOf(resolved.opset),
    opset: resolved.opset,
    producerName: "resnet-blocks",
    docString: `${name}: exported from TensorFlow.js by resnet-blocks (input ${inputLayout}, batch norm ${foldBatchNorm ? "folded" : "kept"})`,
    metadata,
    graph: { name, nodes: builder.nodes, initializers: builder.initializers, inputs: [graphInput!], outputs },
  });
  return {
    bytes,
    input: ONNX_NAMES.input,
    inputLayout,
    output: ONNX_NAMES.output,
    ...(logits ? { logits: ONNX_NAMES.logits } : {}),
    inputShape: [...graphInput!.shape],
    outputShape,
    opset: resolved.opset,
    metadata,
  };
}

/**
 * Exports `model` (any net the library builds) to ONNX and returns the bytes of the
 * `.onnx` file: batch dimension dynamic (`"batch"`), input `input` in NCHW (default) or
 * NHWC, output `output` and, for a softmax top, `logits`; batch norm kept or folded; the
 * model's name, preset and weights' origin in `metadata_props`. Works in Node and in
 * browsers (no file system; write the bytes where you like). {@link exportOnnx} returns
 * the same bytes with the graph's names and shapes.
 *
 * @example
 * ```ts
 * import { resnet50 } from "resnet-blocks";
 * import { toOnnx } from "resnet-blocks/onnx";
 * import { writeFileSync } from "node:fs";
 * const model = resnet50({ preset: "torchvision" });
 * writeFileSync("resnet50.onnx", await toOnnx(model, { preset: "torchvision", weights: "random init" }));
 * ```
 * @throws OnnxExportError naming the layer (name and class) it cannot export, before
 *   anything is written; TypeError or RangeError naming a bad option.
 */
export async function toOnnx(model: tfl.LayersModel, options?: ToOnnxOptions): Promise<Uint8Array> {
  return (await exportOnnx(model, options)).bytes;
}

/** Collects nodes and initializers; each node's single output is named after the node. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];

  node(opType: string, name: string, inputs: readonly string[], attributes?: OnnxNode["attributes"]): string {
    // A layer named like one of the graph's interface values gets a suffix, so that the interface names stay unique.
    if ((Object.values(ONNX_NAMES) as string[]).includes(name)) name = `${name}_`;
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

  /** Renames the value `from` (a node output) to `to`, in the node that makes it and in every node reading it. */
  rename(from: string, to: string): void {
    if (from === to) return;
    const swap = (names: readonly string[]) => names.map((n) => (n === from ? to : n));
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i]!;
      this.nodes[i] = { ...node, inputs: swap(node.inputs), outputs: swap(node.outputs) };
    }
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
      throw new Error(`internal: activation ${JSON.stringify(kind)} of ${name} passed checkExportable but has no export`);
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

/**
 * A `[outHeight, outWidth]` map over an `[inHeight, inWidth]` input padded by `pads`
 * (`[top, left, bottom, right]`), 0 where a pooling window reaches into the padding and the
 * float32 minimum elsewhere: `Max(MaxPool(x), map)` is the max pool of the zero-padded input.
 */
function paddingWindows(
  pads: readonly [number, number, number, number],
  [poolH, poolW]: readonly [number, number],
  [strideH, strideW]: readonly [number, number],
  [inHeight, inWidth]: readonly [number, number],
  [outHeight, outWidth]: readonly [number, number],
): Float32Array {
  const [top, left] = pads;
  const map = new Float32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      const [y0, x0] = [y * strideH - top, x * strideW - left];
      const touches = y0 < 0 || x0 < 0 || y0 + poolH > inHeight || x0 + poolW > inWidth;
      map[y * outWidth + x] = touches ? 0 : -3.4028234663852886e38;
    }
  }
  return map;
}

/** Whether every layer reading `layerName`'s output is of one of `classNames`. */
function everyConsumerIs(model: tfl.LayersModel, layerName: string, classNames: readonly string[]): boolean {
  const layer = model.getLayer(layerName);
  return layer.outboundNodes.every((node) => classNames.includes(node.outboundLayer.getClassName()));
}

/** ONNX `pads` [top, left, bottom, right] of a tfjs `'same'` or `'valid'` window (TensorFlow puts the odd one at the end). */
function samePads(
  padding: string,
  inputShape: Shape,
  window: readonly [number, number],
  strides: readonly [number, number],
  dilation: readonly [number, number],
): [number, number, number, number] {
  if (padding === "valid") return [0, 0, 0, 0];
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

/** The batch norm layer that alone reads `conv`'s output, if there is one (to fold it in). */
function soleBatchNormConsumer(model: tfl.LayersModel, conv: tfl.layers.Layer): tfl.layers.Layer | undefined {
  if (conv.outboundNodes.length !== 1 || model.outputLayers.includes(conv)) return undefined;
  const next = conv.outboundNodes[0]!.outboundLayer;
  return next.getClassName() === "BatchNormalization" ? next : undefined;
}

/**
 * Folds `y = gamma (x - mean) / sqrt(var + eps) + beta` into the OIHW kernel `w` and bias
 * `b` of the convolution before it: per output channel `s = gamma / sqrt(var + eps)`,
 * `w' = w s`, `b' = (b - mean) s + beta`, in float64 then rounded to float32.
 */
function foldIntoConv(w: Float32Array, b: Float32Array | undefined, bn: Weights, epsilon: number): { w: Float32Array; b: Float32Array } {
  const channels = bn.get("moving_mean")!.values.length;
  const perChannel = w.length / channels;
  const gamma = bn.get("gamma")?.values;
  const beta = bn.get("beta")?.values;
  const mean = bn.get("moving_mean")!.values;
  const variance = bn.get("moving_variance")!.values;
  const foldedW = new Float32Array(w.length);
  const foldedB = new Float32Array(channels);
  for (let o = 0; o < channels; o++) {
    const scale = (gamma ? gamma[o]! : 1) / Math.sqrt(variance[o]! + epsilon);
    for (let i = o * perChannel; i < (o + 1) * perChannel; i++) foldedW[i] = w[i]! * scale;
    foldedB[o] = ((b ? b[o]! : 0) - mean[o]!) * scale + (beta ? beta[o]! : 0);
  }
  return { w: foldedW, b: foldedB };
}
