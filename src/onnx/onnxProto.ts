/**
 * The subset of ONNX's protobuf schema (onnx/onnx.proto) that a ResNet needs, as plain
 * objects, and their encoding: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto and ValueInfoProto. Field numbers are those of onnx.proto.
 *
 * @module
 */
import { ProtoWriter } from "./protobuf.js";

/** TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT64: 7 } as const;

/** A tensor: float32 weights, or int64 constants (shapes, pads, axes). */
export type OnnxTensor =
  | { name: string; dims: readonly number[]; dataType: "float"; data: Float32Array }
  | { name: string; dims: readonly number[]; dataType: "int64"; data: readonly number[] };

/** An attribute value: a float, an int, a list of ints or a string. */
export type OnnxAttributeValue =
  | { type: "float"; value: number }
  | { type: "int"; value: number }
  | { type: "ints"; value: readonly number[] }
  | { type: "string"; value: string };

/** One operator of the graph. */
export interface OnnxNode {
  /** Operator of the default domain (`Conv`, `Relu`, ...). */
  opType: string;
  /** Node name (unique). */
  name: string;
  /** Names of the input values. */
  inputs: readonly string[];
  /** Names of the output values. */
  outputs: readonly string[];
  /** Attributes by name. */
  attributes?: Readonly<Record<string, OnnxAttributeValue>>;
}

/** A float32 graph input or output: its name and shape (a string names a symbolic dimension). */
export interface OnnxValueInfo {
  /** Value name. */
  name: string;
  /** Dimensions; a string is a symbolic dimension such as `"batch"`. */
  shape: readonly (number | string)[];
}

/** A graph: nodes in topological order, weights as initializers. */
export interface OnnxGraph {
  /** Graph name. */
  name: string;
  /** Nodes, sorted topologically. */
  nodes: readonly OnnxNode[];
  /** Constant tensors (weights). */
  initializers: readonly OnnxTensor[];
  /** Graph inputs (not the initializers). */
  inputs: readonly OnnxValueInfo[];
  /** Graph outputs. */
  outputs: readonly OnnxValueInfo[];
}

/** A model: the graph and the versions it is written against. */
export interface OnnxModel {
  /** IR version (7 for opsets 13-14, 8 for 15-18, 9 for 19-20, 10 for 21). */
  irVersion: number;
  /** Version of the default ("ai.onnx") operator set. */
  opset: number;
  /** Producer name. */
  producerName: string;
  /** Producer version, if known. */
  producerVersion?: string;
  /** Free text describing the model (`doc_string`). */
  docString?: string;
  /** `metadata_props`: string pairs, in order (onnxruntime exposes them as the model's custom metadata). */
  metadata?: readonly (readonly [key: string, value: string])[];
  /** The graph. */
  graph: OnnxGraph;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

/** Encodes a model as the bytes of an `.onnx` file. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const writer = new ProtoWriter()
    .varint(1, model.irVersion) // ir_version
    .string(2, model.producerName); // producer_name
  if (model.producerVersion !== undefined) writer.string(3, model.producerVersion); // producer_version
  if (model.docString !== undefined) writer.string(6, model.docString); // doc_string
  writer
    .message(7, (w) => writeGraph(w, model.graph)) // graph
    .message(8, (w) => w.string(1, "").varint(2, model.opset)); // opset_import: domain "", version
  // metadata_props: StringStringEntryProto { key = 1, value = 2 }
  for (const [key, value] of model.metadata ?? []) writer.message(14, (w) => w.string(1, key).string(2, value));
  return writer.finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, name, attribute));
  }
}

function writeAttribute(w: ProtoWriter, name: string, attribute: OnnxAttributeValue): void {
  w.string(1, name);
  w.varint(20, ATTRIBUTE_TYPE[attribute.type]);
  switch (attribute.type) {
    case "float":
      w.float(2, attribute.value);
      break;
    case "int":
      w.varint(3, attribute.value);
      break;
    case "string":
      w.string(4, attribute.value);
      break;
    case "ints":
      w.packedVarints(8, attribute.value);
      break;
  }
}

/** Float data goes in `raw_data` (little-endian, as the schema requires); int64 in `int64_data`. */
function writeTensor(w: ProtoWriter, tensor: OnnxTensor): void {
  w.packedVarints(1, tensor.dims);
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== count) {
    throw new RangeError(`tensor ${tensor.name}: dims ${JSON.stringify(tensor.dims)} hold ${count} values; got ${tensor.data.length}`);
  }
  if (tensor.dataType === "float") {
    w.varint(2, OnnxDataType.FLOAT);
    w.string(8, tensor.name);
    w.bytes(9, littleEndianFloats(tensor.data));
  } else {
    w.varint(2, OnnxDataType.INT64);
    w.packedVarints(7, tensor.data);
    w.string(8, tensor.name);
  }
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, OnnxDataType.FLOAT); // elem_type
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === "number" ? d.varint(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianFloats(data: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  data.forEach((value, i) => view.setFloat32(4 * i, value, true));
  return out;
}
