/**
 * Reads the layer graph of a built `LayersModel`: its nodes in topological order and who
 * consumes each symbolic tensor. Walks from the model's output back through the inbound
 * nodes, so a layer shared with another model is read only as this model uses it.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { describeValue } from "../../util/check.js";

/** One application of a layer in the model: the layer, what it reads and what it writes. */
export interface GraphNode {
  /** The layer applied. */
  readonly layer: tfl.layers.Layer;
  /** Its class name (`Conv2D`, `BatchNormalization`, ...). */
  readonly className: string;
  /** The symbolic tensors it reads. */
  readonly inputs: readonly tfl.SymbolicTensor[];
  /** The symbolic tensor it writes. */
  readonly output: tfl.SymbolicTensor;
}

/** The model as a graph. */
export interface ModelGraph {
  /** The model's input. */
  readonly input: tfl.SymbolicTensor;
  /** The model's output. */
  readonly output: tfl.SymbolicTensor;
  /** Every node between them, each after the nodes it reads from; the input layer is left out. */
  readonly nodes: readonly GraphNode[];
  /** Nodes reading each symbolic tensor, by tensor id. */
  readonly consumers: ReadonlyMap<number, readonly GraphNode[]>;
}

/** The class name of a layer, as saved models name it. */
export function layerClassName(layer: tfl.layers.Layer): string {
  return layer.getClassName();
}

/** Reads the graph of `model`; throws a TypeError for models that are not one image in, one tensor out. */
export function readGraph(model: tfl.LayersModel): ModelGraph {
  if (typeof model !== "object" || model === null || !Array.isArray((model as { outputs?: unknown }).outputs)) {
    throw new TypeError(`model must be a tfjs-layers LayersModel (e.g. from resnet50()); got ${describeValue(model)}`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TypeError(
      `model must have one input and one output; ${model.name} has ${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const input = model.inputs[0]!;
  const output = model.outputs[0]!;
  const nodes: GraphNode[] = [];
  const consumers = new Map<number, GraphNode[]>();
  const visited = new Set<number>();

  // Iterative depth-first post-order from the output: deep nets would overflow a recursion.
  const stack: { tensor: tfl.SymbolicTensor; expanded: boolean }[] = [{ tensor: output, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (visited.has(top.tensor.id)) {
      stack.pop();
      continue;
    }
    if (top.tensor.id === input.id) {
      visited.add(input.id);
      stack.pop();
      continue;
    }
    const inputs = producerInputs(top.tensor);
    if (!top.expanded) {
      top.expanded = true;
      if (inputs.length === 0) {
        throw new TypeError(
          `model output depends on ${top.tensor.sourceLayer.name}, which is not fed by the model's input; fuse() supports models with one input`,
        );
      }
      for (const source of inputs) if (!visited.has(source.id)) stack.push({ tensor: source, expanded: false });
      continue;
    }
    stack.pop();
    visited.add(top.tensor.id);
    const layer = top.tensor.sourceLayer;
    const node: GraphNode = { layer, className: layerClassName(layer), inputs, output: top.tensor };
    nodes.push(node);
    for (const source of inputs) {
      const list = consumers.get(source.id) ?? [];
      list.push(node);
      consumers.set(source.id, list);
    }
  }
  return { input, output, nodes, consumers };
}

/** The symbolic tensors that the layer application producing `tensor` reads. */
function producerInputs(tensor: tfl.SymbolicTensor): tfl.SymbolicTensor[] {
  const layer = tensor.sourceLayer;
  const node = layer.inboundNodes[tensor.nodeIndex];
  if (!node) throw new Error(`internal: layer ${layer.name} has no inbound node ${tensor.nodeIndex}`);
  if (node.outputTensors.length !== 1) {
    throw new TypeError(
      `layer "${layer.name}" (class ${layerClassName(layer)}) has ${node.outputTensors.length} outputs; fuse() supports layers with one output`,
    );
  }
  return node.inputTensors;
}
