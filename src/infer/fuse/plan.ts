/**
 * Compiles a model's layer graph into fused steps: zero padding folded into the next
 * convolution's padding, batch norm folded into the convolution's weights and bias, the ReLU
 * done by the convolution kernel, the residual add and its ReLU together.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeValue } from "../../util/check.js";
import type * as tfl from "@tensorflow/tfjs-layers";
import { foldBatchNorm } from "./fold.js";
import { fuseResiduals, type ResidualCandidate, type SumSite } from "./residualPass.js";
import { readGraph, type GraphNode, type ModelGraph } from "./graph.js";
import {
  addStep,
  applyActivation,
  convStep,
  fastConvStep,
  subsample,
  SUPPORTED_ACTIVATIONS,
  tfPadding,
  unaryStep,
  type FastConvStepArgs,
  type FusableActivation,
  type OpPadding,
  type SpatialPadding,
  type Step,
} from "./steps.js";
import {
  activationOf,
  batchNormParams,
  checkChannelsLast,
  fusableActivationOf,
  isFusable,
  kernelShapeIn,
  kernelShapeOut,
  lastAxisBatchNorm,
  pair,
  samePadding,
  unsupported,
  weightValues,
  type Config,
} from "./layerConfig.js";
import { PANEL_WIDTH } from "../fastConv/kernelSource.js";
import { packConvWeights } from "../fastConv/packWeights.js";

/** The compiled model: steps over numbered slots, and the tensors they own. */
export interface Plan {
  /** Steps in the order they run. */
  readonly steps: readonly Step[];
  /** Slot of the result. Slot 0 is the input. */
  readonly outputSlot: number;
  /** Number of slots. */
  readonly slots: number;
  /** Tensors made for the steps (folded kernels, biases, ...). */
  readonly weights: readonly tf.Tensor[];
  /** The model's input shape without the batch dimension; `null` where any size is accepted. */
  readonly inputShape: readonly (number | null)[];
}

/** Layer classes the compiler handles, for the error message. */
export const SUPPORTED_LAYERS = [
  "InputLayer",
  "Conv2D",
  "GroupedConv2D",
  "BatchNormalization",
  "Activation",
  "ReLU",
  "Add",
  "ZeroPadding2D",
  "MaxPooling2D",
  "GlobalAveragePooling2D",
  "GlobalMaxPooling2D",
  "Dense",
  "Flatten",
  "Dropout",
  "ZeroPadShortcut",
] as const;

/** A symbolic tensor as the steps know it: its slot, and a zero padding not yet applied. */
interface Value {
  readonly slot: number;
  /** Zero padding that the reading convolutions or pools take into their own padding. */
  readonly pad: SpatialPadding | null;
  /** Names of the padding layers folded into `pad`. */
  readonly padLayers: readonly string[];
  /** True when every element is known to be >= 0 (after a ReLU). */
  readonly nonNegative: boolean;
}

/** Whose convolution kernels the plan calls: tfjs's (any backend) or resnet-blocks' WASM kernel. */
export type ConvKernels = "tfjs" | "resnet-blocks";

/** Compiles `model` into a {@link Plan}; throws a TypeError naming the first layer it cannot handle. */
export function compilePlan(model: tfl.LayersModel, kernels: ConvKernels = "tfjs"): Plan {
  const graph = readGraph(model);
  // Before any weight is read, folded or packed.
  const inputShape = graph.input.shape.slice(1);
  if (inputShape.length !== 3 || inputShape.some((size) => typeof size !== "number")) {
    throw new TypeError(`model must take images of a fixed size [height, width, channels]; ${model.name} takes ${describeValue([null, ...inputShape])}`);
  }
  const compiler = new Compiler(graph, kernels);
  try {
    return compiler.compile();
  } catch (error) {
    compiler.disposeWeights();
    throw error;
  }
}

class Compiler {
  private readonly steps: Step[] = [];
  private readonly weights: tf.Tensor[] = [];
  private readonly values = new Map<number, Value>();
  private readonly absorbed = new Set<GraphNode>();
  private nextSlot = 1;
  /** Linear fast convolutions read only by one layer, by output slot: may absorb a residual sum. */
  private readonly residualCandidates = new Map<number, ResidualCandidate>();
  /** Every sum's step, for the residual pass. */
  private readonly sums: SumSite[] = [];

  constructor(
    private readonly graph: ModelGraph,
    private readonly kernels: ConvKernels,
  ) {}

  compile(): Plan {
    const { input, output } = this.graph;
    this.values.set(input.id, { slot: 0, pad: null, padLayers: [], nonNegative: false });
    for (const node of this.graph.nodes) {
      if (!this.absorbed.has(node)) this.compileNode(node);
    }
    fuseResiduals(this.steps, this.sums, this.residualCandidates);
    const result = this.value(output);
    if (result.pad) throw new Error("internal: the model output is a folded padding");
    let outputSlot = result.slot;
    if (outputSlot === 0) {
      outputSlot = this.newSlot();
      this.steps.push(unaryStep("activation", [], 0, outputSlot, (x) => x.clone()));
    }
    return {
      steps: this.steps,
      outputSlot,
      slots: this.nextSlot,
      weights: this.weights,
      inputShape: input.shape.slice(1),
    };
  }

  disposeWeights(): void {
    for (const weight of this.weights) weight.dispose();
  }

  private compileNode(node: GraphNode): void {
    switch (node.className) {
      case "Conv2D":
      case "GroupedConv2D":
        return this.conv(node);
      case "ZeroPadding2D":
        return this.zeroPadding(node);
      case "BatchNormalization":
        return this.batchNorm(node);
      case "Activation":
      case "ReLU":
        return this.activation(node);
      case "Add":
        return this.add(node);
      case "MaxPooling2D":
        return this.maxPool(node);
      case "GlobalAveragePooling2D":
      case "GlobalMaxPooling2D":
        return this.globalPool(node);
      case "Dense":
        return this.dense(node);
      case "Flatten":
        return this.unary(node, "flatten", false, (x) => tf.reshape(x, [x.shape[0]!, -1]));
      case "Dropout":
        this.values.set(node.output.id, this.input(node));
        return;
      case "ZeroPadShortcut":
        return this.zeroPadShortcut(node);
      default:
        throw unsupported(node, `fuse() handles ${SUPPORTED_LAYERS.join(", ")}`);
    }
  }

  // --- convolutions ---------------------------------------------------------------------

  private conv(node: GraphNode): void {
    const config = node.layer.getConfig() as Config;
    checkChannelsLast(node, config);
    const x = this.input(node);
    const kernelSize = pair(config.kernelSize);
    const strides = pair(config.strides);
    const dilations = pair(config.dilationRate ?? 1);
    const layers = [...x.padLayers, node.layer.name];
    const ownActivation = String(config.activation ?? "linear");
    if (!isFusable(ownActivation)) {
      throw unsupported(node, `a Conv2D's own activation must be linear, relu or relu6; got ${JSON.stringify(ownActivation)}`);
    }
    let activation: FusableActivation = ownActivation;
    let kernel = weightValues(node.layer, "kernel");
    let bias = config.useBias ? weightValues(node.layer, "bias") : null;
    let out = node.output;

    const bn = activation === "linear" ? this.soleConsumer(out, ["BatchNormalization"]) : null;
    if (bn && lastAxisBatchNorm(bn)) {
      const folded = foldBatchNorm(kernel, bias, batchNormParams(bn));
      kernel = folded.kernel;
      bias = folded.bias;
      this.absorbed.add(bn);
      layers.push(bn.layer.name);
      out = bn.output;
    }
    if (activation === "linear") {
      const relu = this.soleConsumer(out, ["Activation", "ReLU"]);
      const fused = relu ? fusableActivationOf(relu) : null;
      if (relu && fused && fused !== "linear") {
        activation = fused;
        this.absorbed.add(relu);
        layers.push(relu.layer.name);
        out = relu.output;
      }
    }

    const padding = String(config.padding);
    let pad: OpPadding;
    if (x.pad) {
      const own = padding === "same" ? samePadding(kernelSize, dilations) : [[0, 0], [0, 0]];
      pad = [
        [x.pad[0][0] + own[0]![0]!, x.pad[0][1] + own[0]![1]!],
        [x.pad[1][0] + own[1]![0]!, x.pad[1][1] + own[1]![1]!],
      ];
    } else {
      pad = padding === "same" ? "same" : "valid";
    }

    const groups = Number(config.groups ?? 1);
    const filterShape: [number, number, number, number] = [kernelSize[0], kernelSize[1], kernelShapeIn(node) / groups, kernelShapeOut(node)];
    const slot = this.newSlot();
    // resnet-blocks' kernel takes groups whose output channels fill its 8-wide panels (ResNeXt's
    // later stages); other grouped convolutions run as one tf.fused.conv2d per group.
    const fastKernel =
      this.kernels === "resnet-blocks" && dilations[0] === 1 && dilations[1] === 1 && activation !== "relu6" &&
      (filterShape[3] / groups) % PANEL_WIDTH === 0;
    if (fastKernel) {
      const packed = packConvWeights(Float32Array.from(kernel), filterShape[3], bias ? Float32Array.from(bias) : null);
      const weights = this.keep(tf.tensor1d(packed));
      const args: FastConvStepArgs = { layers, input: x.slot, residual: null, output: slot, weights, filterShape, strides, pad, relu: activation === "relu", groups };
      const step = fastConvStep(args);
      this.steps.push(step);
      const soleReader = (this.graph.consumers.get(out.id) ?? []).length === 1;
      if (activation === "linear" && soleReader) this.residualCandidates.set(slot, { step, args });
    } else {
      const filter = tf.tensor4d(kernel, filterShape);
      const biasTensor = bias ? tf.tensor1d(bias) : null;
      const grouped = groups > 1;
      const step = convStep({
        layers,
        input: x.slot,
        output: slot,
        filter: grouped ? (tf.split(filter, groups, 3) as tf.Tensor4D[]).map((f) => this.keep(f)) : this.keep(filter),
        bias: biasTensor && grouped ? (tf.split(biasTensor, groups) as tf.Tensor1D[]).map((b) => this.keep(b)) : biasTensor && this.keep(biasTensor),
        strides,
        dilations,
        pad,
        activation,
      });
      if (grouped) tf.dispose(biasTensor ? [filter, biasTensor] : [filter]);
      this.steps.push(step);
    }
    this.values.set(out.id, { slot, pad: null, padLayers: [], nonNegative: activation !== "linear" });
  }

  private zeroPadding(node: GraphNode): void {
    const config = node.layer.getConfig() as Config;
    checkChannelsLast(node, config);
    const padding = config.padding as [[number, number], [number, number]];
    const x = this.input(node);
    const readers = this.graph.consumers.get(node.output.id) ?? [];
    const foldable =
      x.pad === null &&
      node.output.id !== this.graph.output.id &&
      readers.length > 0 &&
      readers.every((reader) => this.takesPadding(reader, padding, x.nonNegative));
    if (foldable) {
      this.values.set(node.output.id, { ...x, pad: padding, padLayers: [node.layer.name] });
      return;
    }
    const pads: [number, number][] = [[0, 0], [...padding[0]], [...padding[1]], [0, 0]];
    this.unary(node, "pad", x.nonNegative, (t) => tf.pad(t, pads));
  }

  /** Whether `reader` can take a zero padding into its own padding argument. */
  private takesPadding(reader: GraphNode, padding: SpatialPadding, nonNegative: boolean): boolean {
    const config = reader.layer.getConfig() as Config;
    if (config.dataFormat !== undefined && config.dataFormat !== "channelsLast") return false;
    if (reader.className === "Conv2D") {
      // 'same' pads by the kernel alone only at stride 1; strided 'same' depends on the input size.
      return config.padding === "valid" || (config.padding === "same" && pair(config.strides).every((s) => s === 1));
    }
    if (reader.className === "MaxPooling2D") {
      // Max pooling skips padded cells rather than reading zeros; that equals zero padding when
      // the input is >= 0 and every window still holds one real cell (pads below the window).
      const pool = pair(config.poolSize);
      return (
        config.padding === "valid" &&
        nonNegative &&
        padding[0][0] < pool[0] &&
        padding[0][1] < pool[0] &&
        padding[1][0] < pool[1] &&
        padding[1][1] < pool[1]
      );
    }
    return false;
  }

  // --- other layers ---------------------------------------------------------------------

  private batchNorm(node: GraphNode): void {
    if (!lastAxisBatchNorm(node)) {
      throw unsupported(node, "fuse() handles batch norm over the last (channel) axis only");
    }
    const params = batchNormParams(node);
    const channels = params.mean.length;
    const ones = new Float32Array(channels).fill(1);
    const mean = this.keep(tf.tensor1d(Float32Array.from(params.mean)));
    const variance = this.keep(tf.tensor1d(Float32Array.from(params.variance)));
    const offset = this.keep(tf.tensor1d(params.beta ? Float32Array.from(params.beta) : new Float32Array(channels)));
    const scale = this.keep(tf.tensor1d(params.gamma ? Float32Array.from(params.gamma) : ones));
    this.unary(node, "batchNorm", false, (x) =>
      tf.batchNorm(x as tf.Tensor4D, mean, variance, offset, scale, params.epsilon),
    );
  }

  private activation(node: GraphNode): void {
    const name = activationOf(node);
    if (name === "linear") {
      this.values.set(node.output.id, this.input(node));
      return;
    }
    const nonNegative = name === "relu" || name === "relu6" || name === "sigmoid" || name === "softmax";
    this.unary(node, "activation", nonNegative, (x) => applyActivation(name, x));
  }

  private add(node: GraphNode): void {
    const inputs = node.inputs.map((tensor) => this.materialized(tensor, node).slot);
    const layers = [node.layer.name];
    let out = node.output;
    let relu = false;
    const next = this.soleConsumer(out, ["Activation", "ReLU"]);
    if (next && fusableActivationOf(next) === "relu") {
      relu = true;
      this.absorbed.add(next);
      layers.push(next.layer.name);
      out = next.output;
    }
    const slot = this.newSlot();
    const step = addStep({ layers, inputs, output: slot, relu });
    this.steps.push(step);
    this.sums.push({ step, layers, inputs, output: slot, relu });
    this.values.set(out.id, { slot, pad: null, padLayers: [], nonNegative: relu });
  }

  private maxPool(node: GraphNode): void {
    const config = node.layer.getConfig() as Config;
    checkChannelsLast(node, config);
    const x = this.input(node);
    const pool = pair(config.poolSize);
    const strides = pair(config.strides ?? config.poolSize);
    const pad: OpPadding = x.pad ?? (config.padding === "same" ? "same" : "valid");
    const tfPad = tfPadding(pad);
    const slot = this.newSlot();
    this.steps.push(
      unaryStep("maxPool", [...x.padLayers, node.layer.name], x.slot, slot, (t) =>
        tf.maxPool(t as tf.Tensor4D, pool, strides, tfPad),
      ),
    );
    this.values.set(node.output.id, { slot, pad: null, padLayers: [], nonNegative: x.nonNegative });
  }

  private globalPool(node: GraphNode): void {
    const config = node.layer.getConfig() as Config;
    checkChannelsLast(node, config);
    if (config.keepDims === true) throw unsupported(node, "fuse() handles global pooling without keepDims");
    const average = node.className === "GlobalAveragePooling2D";
    this.unary(node, average ? "globalAvgPool" : "globalMaxPool", this.input(node).nonNegative, (x) =>
      average ? tf.mean(x, [1, 2]) : tf.max(x, [1, 2]),
    );
  }

  private dense(node: GraphNode): void {
    const config = node.layer.getConfig() as Config;
    if (node.inputs[0]!.shape.length !== 2) {
      throw unsupported(node, `fuse() handles Dense layers on 2-D input; this one reads shape ${JSON.stringify(node.inputs[0]!.shape)}`);
    }
    const activation = String(config.activation ?? "linear");
    if (!(SUPPORTED_ACTIVATIONS as readonly string[]).includes(activation)) {
      throw unsupported(node, `fuse() handles the activations ${SUPPORTED_ACTIVATIONS.join(", ")}; got ${JSON.stringify(activation)}`);
    }
    const units = Number(config.units);
    const kernelValues = weightValues(node.layer, "kernel");
    const kernel = this.keep(tf.tensor2d(kernelValues, [kernelValues.length / units, units]));
    const bias = config.useBias ? this.keep(tf.tensor1d(weightValues(node.layer, "bias"))) : undefined;
    const fused: FusableActivation = isFusable(activation) ? activation : "linear";
    const after = isFusable(activation) ? null : activation;
    const nonNegative = activation === "relu" || activation === "relu6" || activation === "softmax" || activation === "sigmoid";
    this.unary(node, "dense", nonNegative, (x) => {
      const y = tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel, bias, activation: fused });
      return after ? applyActivation(after, y) : y;
    });
  }

  private zeroPadShortcut(node: GraphNode): void {
    const layer = node.layer as unknown as { stride: number; channels: number };
    const { stride, channels } = layer;
    const x = this.materialized(node.inputs[0]!, node);
    const channelsIn = node.inputs[0]!.shape[3];
    if (typeof channelsIn !== "number") throw unsupported(node, "fuse() needs the channels of its input");
    const extra = channels - channelsIn;
    const slot = this.newSlot();
    this.steps.push(
      unaryStep("zeroPadShortcut", [node.layer.name], x.slot, slot, (t) => {
        const kept = subsample(t as tf.Tensor4D, stride);
        return extra > 0 ? tf.pad(kept, [[0, 0], [0, 0], [0, 0], [0, extra]]) : kept;
      }),
    );
    this.values.set(node.output.id, { slot, pad: null, padLayers: [], nonNegative: x.nonNegative });
  }

  // --- helpers --------------------------------------------------------------------------

  /** A step running `op` on the node's only input. */
  private unary(node: GraphNode, kind: Step["kind"], nonNegative: boolean, op: (x: tf.Tensor) => tf.Tensor): void {
    const x = this.materialized(node.inputs[0]!, node);
    const slot = this.newSlot();
    this.steps.push(unaryStep(kind, [node.layer.name], x.slot, slot, op));
    this.values.set(node.output.id, { slot, pad: null, padLayers: [], nonNegative });
  }

  /** The node's only input, possibly with a zero padding still to apply. */
  private input(node: GraphNode): Value {
    if (node.inputs.length !== 1) {
      throw unsupported(node, `fuse() expected one input for this layer; it has ${node.inputs.length}`);
    }
    return this.value(node.inputs[0]!);
  }

  private materialized(tensor: tfl.SymbolicTensor, reader: GraphNode): Value {
    const value = this.value(tensor);
    if (value.pad) throw new Error(`internal: ${reader.layer.name} reads a folded padding`);
    return value;
  }

  private value(tensor: tfl.SymbolicTensor): Value {
    const value = this.values.get(tensor.id);
    if (!value) throw new Error(`internal: ${tensor.sourceLayer.name} was not compiled before its readers`);
    return value;
  }

  /** The only reader of `tensor` if it has exactly one, of one of `classes`, and is not the model's output. */
  private soleConsumer(tensor: tfl.SymbolicTensor, classes: readonly string[]): GraphNode | null {
    if (tensor.id === this.graph.output.id) return null;
    const readers = this.graph.consumers.get(tensor.id) ?? [];
    if (readers.length !== 1 || !classes.includes(readers[0]!.className)) return null;
    return readers[0]!;
  }

  private keep<T extends tf.Tensor>(tensor: T): T {
    this.weights.push(tensor);
    return tensor;
  }

  private newSlot(): number {
    return this.nextSlot++;
  }
}
