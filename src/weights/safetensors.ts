/**
 * The safetensors format in plain TypeScript (bytes in, bytes out; no file system), so it
 * runs in Node and in the browser. A file is an 8-byte little-endian length N, N bytes of
 * JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {...} }`
 * and the tensors' bytes, offsets counted from the end of the header.
 *
 * The reader checks everything the format promises, as the reference implementation does:
 * a header that fits the file, known dtypes, sizes that match the shapes, offsets inside the
 * data, and tensors that tile the data with no overlap and no gap. Any failure is a
 * {@link WeightsFileError} naming the tensor.
 *
 * @module
 */
import { DTYPE_BYTES } from "./dtypes.js";
import { describeShape, describeValue } from "../util/check.js";
import { WeightsFileError } from "./errors.js";

/** One tensor of a safetensors file. */
export interface SafetensorsTensor {
  /** Name in the file. */
  name: string;
  /** Safetensors dtype: `F32`, `F16`, `BF16`, `I64`, ... */
  dtype: string;
  /** Shape, outermost dimension first. */
  shape: number[];
  /** The tensor's little-endian bytes (a view into the file when decoded). */
  data: Uint8Array;
}

/** A decoded safetensors file. */
export interface SafetensorsFile {
  /** The tensors in the order of their data in the file. */
  tensors: SafetensorsTensor[];
  /** The header's `__metadata__` (string to string), empty when absent. */
  metadata: Record<string, string>;
}

/** Headers larger than this are refused, as the reference implementation does. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = "__metadata__";

/**
 * Reads a safetensors file. The tensors' `data` are views into `bytes`, not copies.
 *
 * @throws WeightsFileError if the file is truncated, corrupt or not safetensors; the message
 *   says what is wrong and names the tensor.
 */
export function decodeSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsFile {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new TypeError(`bytes must be a Uint8Array or an ArrayBuffer; got ${describeValue(bytes)}`);
  }
  const file = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (file.length < 8) {
    throw new WeightsFileError(
      `safetensors: the file is ${file.length} bytes, too short for the 8-byte header length: it is truncated or not safetensors`,
    );
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getBigUint64(0, true);
  const available = file.length - 8;
  if (headerLength > BigInt(available)) {
    throw new WeightsFileError(
      `safetensors: the header length field says ${headerLength} bytes, but only ${available} bytes follow it: the file is truncated or not safetensors`,
    );
  }
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new WeightsFileError(`safetensors: the header is ${headerLength} bytes, more than the ${MAX_HEADER_BYTES} allowed`);
  }
  const headerEnd = 8 + Number(headerLength);
  const header = parseHeader(file.subarray(8, headerEnd));
  const data = file.subarray(headerEnd);

  let metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = checkMetadata(value);
      continue;
    }
    entries.push({ name, ...checkEntry(name, value) });
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: (typeof entries)[number] | undefined;
  for (const entry of entries) {
    if (entry.end > data.length) {
      throw new WeightsFileError(
        `safetensors: tensor ${JSON.stringify(entry.name)} has data_offsets [${entry.begin}, ${entry.end}], past the end of the data (${data.length} bytes): the file is truncated or corrupt`,
      );
    }
    if (entry.begin < covered && previous) {
      throw new WeightsFileError(
        `safetensors: tensors ${JSON.stringify(previous.name)} (bytes ${previous.begin} to ${previous.end}) and ${JSON.stringify(entry.name)} (bytes ${entry.begin} to ${entry.end}) overlap`,
      );
    }
    if (entry.begin > covered) {
      throw new WeightsFileError(
        `safetensors: bytes ${covered} to ${entry.begin} of the data belong to no tensor (before ${JSON.stringify(entry.name)}): the header is corrupt`,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== data.length) {
    throw new WeightsFileError(
      `safetensors: the data is ${data.length} bytes but its tensors cover only ${covered}: the header is corrupt or the file has trailing bytes`,
    );
  }
  return {
    tensors: entries.map(({ name, dtype, shape, begin, end }) => ({ name, dtype, shape, data: data.subarray(begin, end) })),
    metadata,
  };
}

/**
 * Writes a safetensors file: the header (padded with spaces so the data starts at a
 * multiple of 8 bytes), then each tensor's bytes in the order given.
 *
 * @throws TypeError or RangeError for a duplicate or reserved name, an unknown dtype, or
 *   data whose size does not match the shape.
 */
export function encodeSafetensors(
  tensors: readonly SafetensorsTensor[],
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header[METADATA_KEY] = checkMetadata(metadata);
  let offset = 0;
  for (const tensor of tensors) {
    const { name, dtype, shape, data } = tensor;
    if (name === METADATA_KEY) throw new RangeError(`tensor name ${JSON.stringify(name)} is reserved by safetensors`);
    if (Object.prototype.hasOwnProperty.call(header, name)) throw new RangeError(`tensor name ${JSON.stringify(name)} is used twice`);
    const expected = checkedByteLength(name, dtype, shape, TypeError);
    if (data.length !== expected) {
      throw new RangeError(
        `tensor ${JSON.stringify(name)}: ${dtype} ${describeShape(shape)} needs ${expected} bytes; got ${data.length}`,
      );
    }
    header[name] = { dtype, shape: [...shape], data_offsets: [offset, offset + data.length] };
    offset += data.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.length % 8)) % 8;
  if (padding > 0) {
    const padded = new Uint8Array(json.length + padding).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let position = 8 + json.length;
  for (const tensor of tensors) {
    out.set(tensor.data, position);
    position += tensor.data.length;
  }
  return out;
}

function parseHeader(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new WeightsFileError("safetensors: the header is not valid UTF-8: the file is corrupt or not safetensors");
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WeightsFileError(`safetensors: the header is not valid JSON (${reason}): the file is corrupt or not safetensors`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new WeightsFileError(
      `safetensors: the header must be a JSON object; got ${Array.isArray(header) ? "an array" : JSON.stringify(header)}`,
    );
  }
  return header as Record<string, unknown>;
}

function checkMetadata(value: unknown): Record<string, string> {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new WeightsFileError(`safetensors: ${METADATA_KEY} must be an object of strings; got ${JSON.stringify(value)}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item !== "string") {
      throw new WeightsFileError(`safetensors: ${METADATA_KEY}.${key} must be a string; got ${JSON.stringify(item)}`);
    }
    metadata[key] = item;
  }
  return metadata;
}

function checkEntry(name: string, value: unknown): { dtype: string; shape: number[]; begin: number; end: number } {
  const where = `safetensors: tensor ${JSON.stringify(name)}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WeightsFileError(`${where}: its header entry must be an object with dtype, shape and data_offsets; got ${JSON.stringify(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== "string") throw new WeightsFileError(`${where}: dtype must be a string; got ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new WeightsFileError(`${where}: shape must be an array of whole numbers; got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0]! > offsets[1]!) {
    throw new WeightsFileError(
      `${where}: data_offsets must be [begin, end] with 0 <= begin <= end; got ${JSON.stringify(offsets)}`,
    );
  }
  const [begin, end] = offsets as [number, number];
  const expected = checkedByteLength(name, dtype, shape, WeightsFileError);
  if (end - begin !== expected) {
    throw new WeightsFileError(
      `${where}: ${dtype} ${describeShape(shape)} needs ${expected} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { dtype, shape: [...shape], begin, end };
}

/** Bytes that a tensor of `dtype` and `shape` takes; throws `ErrorType` for an unknown dtype. */
function checkedByteLength(
  name: string,
  dtype: string,
  shape: readonly number[],
  ErrorType: new (message: string) => Error,
): number {
  const size = Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype) ? DTYPE_BYTES[dtype] : undefined;
  if (size === undefined) {
    throw new ErrorType(
      `safetensors: tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; known dtypes are ${Object.keys(DTYPE_BYTES).join(", ")}`,
    );
  }
  if (!shape.every(isCount)) throw new ErrorType(`tensor ${JSON.stringify(name)}: shape must be whole numbers; got ${JSON.stringify(shape)}`);
  const bytes = shape.reduce((product, dimension) => product * dimension, size);
  if (!Number.isSafeInteger(bytes)) {
    throw new ErrorType(`safetensors: tensor ${JSON.stringify(name)} of shape ${describeShape(shape)} is too large`);
  }
  return bytes;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
