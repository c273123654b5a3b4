/**
 * Reading an exported file with ONNX's schema (the protobufjs decoder generated from
 * onnx.proto that onnxruntime-web ships: a reading that shares nothing with our writer),
 * and a structural check in place of onnx.checker (not available here): every node input
 * defined before it is read, every initializer used, names unique, and shapes inferred
 * node by node through the graph up to the declared outputs.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const ortWebRoot = join(dirname(require.resolve("onnxruntime-web")), "..");
const onnxSchema = require(join(ortWebRoot, "lib/onnxjs/ort-schema/protobuf/onnx.js")).onnx as {
  ModelProto: { decode(bytes: Uint8Array): unknown; toObject(message: unknown, options: object): DecodedModel };
};

/** An attribute as protobufjs decodes it. */
export interface DecodedAttribute {
  name: string;
  type?: number;
  ints?: number[];
  f?: number;
  i?: number;
}

/** The parts of a decoded ModelProto the tests read. */
export interface DecodedModel {
  irVersion: number;
  producerName?: string;
  docString?: string;
  opsetImport: { domain?: string; version: number }[];
  metadataProps?: { key: string; value: string }[];
  graph: {
    name: string;
    node: { opType: string; name: string; input: string[]; output: string[]; attribute?: DecodedAttribute[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData?: Uint8Array; int64Data?: number[] }[];
    input: DecodedValueInfo[];
    output: DecodedValueInfo[];
  };
}

/** A graph input or output as decoded. */
export interface DecodedValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number; dimParam?: string }[] } } };
}

/** Decodes `.onnx` bytes with ONNX's schema. */
export function decodeOnnx(bytes: Uint8Array): DecodedModel {
  return onnxSchema.ModelProto.toObject(onnxSchema.ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true });
}

/** A dimension: a number, or a symbolic name such as `"batch"`. */
export type Dim = number | string;

/** A value's shape as declared in a graph input or output. */
export function declaredShape(info: DecodedValueInfo): Dim[] {
  return info.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue!);
}

/** What {@link checkGraph} found: the inferred shape of every value, and the outputs'. */
export interface GraphReport {
  shapes: Map<string, Dim[]>;
  outputShapes: Dim[][];
}

/**
 * The structural check. Throws an Error saying what is wrong: a node input read before it
 * is defined (or never), an initializer no node reads, a repeated node or value name, an
 * operator this check does not know, shapes that do not fit an operator (Add of unequal
 * shapes, Gemm of the wrong width, ...), or an inferred output shape that differs from the
 * declared one.
 */
export function checkGraph(model: DecodedModel): GraphReport {
  const { graph } = model;
  const shapes = new Map<string, Dim[]>();
  const consts = new Map<string, number[]>();
  const unused = new Set<string>();
  for (const tensor of graph.initializer) {
    if (shapes.has(tensor.name)) throw new Error(`initializer ${tensor.name} is defined twice`);
    shapes.set(tensor.name, tensor.dims.map(Number));
    if (tensor.dataType === 7) consts.set(tensor.name, (tensor.int64Data ?? []).map(Number));
    unused.add(tensor.name);
  }
  for (const input of graph.input) {
    if (shapes.has(input.name)) throw new Error(`graph input ${input.name} is also an initializer`);
    shapes.set(input.name, declaredShape(input));
  }
  const nodeNames = new Set<string>();
  for (const node of graph.node) {
    if (nodeNames.has(node.name)) throw new Error(`node name ${node.name} is used twice`);
    nodeNames.add(node.name);
    const inputs = node.input.map((name) => {
      const shape = shapes.get(name);
      if (!shape) throw new Error(`node ${node.name} (${node.opType}) reads ${name}, which is not defined before it`);
      unused.delete(name);
      return shape;
    });
    const out = inferShape(node, inputs, node.input.map((name) => consts.get(name)));
    if (node.output.length !== 1) throw new Error(`node ${node.name} has ${node.output.length} outputs; the exporter writes one`);
    if (shapes.has(node.output[0]!)) throw new Error(`value ${node.output[0]} is defined twice`);
    shapes.set(node.output[0]!, out);
  }
  if (unused.size > 0) throw new Error(`initializers no node reads: ${[...unused].join(", ")}`);
  const outputShapes = graph.output.map((output) => {
    const inferred = shapes.get(output.name);
    if (!inferred) throw new Error(`graph output ${output.name} is not defined`);
    const declared = declaredShape(output);
    if (JSON.stringify(inferred) !== JSON.stringify(declared)) {
      throw new Error(`graph output ${output.name}: inferred ${JSON.stringify(inferred)}, declared ${JSON.stringify(declared)}`);
    }
    return inferred;
  });
  return { shapes, outputShapes };
}

function attribute(node: DecodedModel["graph"]["node"][number], name: string): DecodedAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}

function ints(node: DecodedModel["graph"]["node"][number], name: string, fallback: number[]): number[] {
  return attribute(node, name)?.ints?.map(Number) ?? fallback;
}

function num(d: Dim, what: string): number {
  if (typeof d !== "number") throw new Error(`${what} is symbolic (${d}); a fixed size is needed`);
  return d;
}

function same(a: Dim[], b: Dim[], what: string): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: shapes ${JSON.stringify(a)} and ${JSON.stringify(b)} differ`);
}

/** The output shape of one node, from its inputs' shapes (and constant int64 inputs). */
function inferShape(node: DecodedModel["graph"]["node"][number], inputs: Dim[][], constants: (number[] | undefined)[]): Dim[] {
  const what = `node ${node.name} (${node.opType})`;
  const x = inputs[0]!;
  const window = (kernel: number[], channels: Dim): Dim[] => {
    const strides = ints(node, "strides", [1, 1]);
    const pads = ints(node, "pads", [0, 0, 0, 0]);
    const dilations = ints(node, "dilations", [1, 1]);
    const size = [0, 1].map((i) => {
      const span = (kernel[i]! - 1) * dilations[i]! + 1;
      const padded = num(x[2 + i]!, what) + pads[i]! + pads[i + 2]!;
      if (padded < span) throw new Error(`${what}: window ${span} larger than the padded input ${padded}`);
      return Math.floor((padded - span) / strides[i]!) + 1;
    });
    return [x[0]!, channels, ...size];
  };
  switch (node.opType) {
    case "Conv": {
      const w = inputs[1]!;
      if (x.length !== 4 || w.length !== 4) throw new Error(`${what}: 4-D input and weight expected`);
      const group = Number(attribute(node, "group")?.i ?? 1);
      if (num(w[1]!, what) * group !== num(x[1]!, what)) {
        throw new Error(`${what}: weight takes ${w[1]} channels${group === 1 ? "" : ` in each of ${group} groups`}, input has ${x[1]}`);
      }
      if (num(w[0]!, what) % group !== 0) throw new Error(`${what}: ${w[0]} output channels are not a multiple of group ${group}`);
      same(ints(node, "kernel_shape", [Number(w[2]), Number(w[3])]), [w[2]!, w[3]!], `${what} kernel_shape`);
      if (inputs[2]) same(inputs[2], [w[0]!], `${what} bias`);
      return window([Number(w[2]), Number(w[3])], w[0]!);
    }
    case "MaxPool":
      return window(ints(node, "kernel_shape", []), x[1]!);
    case "BatchNormalization":
      for (const param of inputs.slice(1)) same(param, [x[1]!], `${what} parameter`);
      return x;
    case "Relu":
    case "Softmax":
    case "Identity":
      return x;
    case "Add":
    case "Sum":
      for (const other of inputs.slice(1)) same(other, x, what);
      return x;
    case "Max": {
      // Numpy broadcasting of the second operand (the exporter's [1, 1, h, w] border map).
      const other = inputs[1]!;
      if (other.length !== x.length || other.some((d, i) => d !== 1 && d !== x[i])) throw new Error(`${what}: ${JSON.stringify(other)} does not broadcast to ${JSON.stringify(x)}`);
      return x;
    }
    case "Transpose": {
      const perm = ints(node, "perm", []);
      if (perm.length !== x.length) throw new Error(`${what}: perm ${perm} for a ${x.length}-D input`);
      return perm.map((p) => x[p]!);
    }
    case "Slice": {
      const [starts, ends, axes, steps] = constants.slice(1);
      if (!starts || !ends || !axes || !steps) throw new Error(`${what}: starts, ends, axes and steps must be int64 initializers`);
      const out = [...x];
      axes.forEach((axis, i) => {
        const size = num(x[axis]!, what);
        const end = Math.min(ends[i]!, size);
        out[axis] = Math.max(0, Math.ceil((end - starts[i]!) / steps[i]!));
      });
      return out;
    }
    case "Pad": {
      const pads = constants[1];
      if (!pads || pads.length !== 2 * x.length) throw new Error(`${what}: pads must be an int64 initializer of ${2 * x.length} values`);
      return x.map((d, i) => (pads[i] === 0 && pads[i + x.length] === 0 ? d : num(d, what) + pads[i]! + pads[i + x.length]!));
    }
    case "GlobalAveragePool":
    case "GlobalMaxPool":
      return [x[0]!, x[1]!, 1, 1];
    case "Flatten": {
      const axis = Number(attribute(node, "axis")?.i ?? 1);
      const rest = x.slice(axis).reduce<number>((a, d) => a * num(d, what), 1);
      return [...x.slice(0, axis), rest];
    }
    case "Gemm": {
      const w = inputs[1]!;
      if (x.length !== 2 || w.length !== 2) throw new Error(`${what}: 2-D input and weight expected`);
      if (num(w[0]!, what) !== num(x[1]!, what)) throw new Error(`${what}: weight takes ${w[0]} features, input has ${x[1]}`);
      if (inputs[2]) same(inputs[2], [w[1]!], `${what} bias`);
      return [x[0]!, w[1]!];
    }
    default:
      throw new Error(`${what}: operator unknown to this check`);
  }
}
