/**
 * The safetensors dtypes: their sizes (to validate any file) and, for the three float
 * types weights are read from and written in, conversion of little-endian data to and
 * from float32.
 *
 * @module
 */
import { decodeBfloat16, decodeFloat16, encodeBfloat16, encodeFloat16 } from "./halfFloat.js";

/** Bytes per element of every safetensors dtype of a whole number of bytes. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
};

/** The safetensors dtypes that weights are read from and can be written in. */
export type FloatDtype = "F32" | "F16" | "BF16";

/** The float dtypes by the names the options use. */
export const FLOAT_DTYPES = {
  /** IEEE 754 single precision. */
  float32: "F32",
  /** IEEE 754 half precision. */
  float16: "F16",
  /** The upper half of a float32 (brain float). */
  bfloat16: "BF16",
} as const satisfies Record<string, FloatDtype>;

/** Names the options accept for a stored dtype. */
export type WeightDtype = keyof typeof FLOAT_DTYPES;

/** Whether weights can be read from a tensor of `dtype`. */
export function isFloatDtype(dtype: string): dtype is FloatDtype {
  return dtype === "F32" || dtype === "F16" || dtype === "BF16";
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Float32 values of little-endian `data` of `dtype`, always in a new array (never a view of `data`). */
export function decodeFloats(dtype: FloatDtype, data: Uint8Array): Float32Array {
  if (dtype === "F16") return decodeFloat16(data);
  if (dtype === "BF16") return decodeBfloat16(data);
  const out = new Float32Array(data.length >>> 2);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(data);
  } else {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

/** Little-endian data of `values` in `dtype` (rounded to nearest, ties to even). */
export function encodeFloats(dtype: FloatDtype, values: Float32Array): Uint8Array {
  if (dtype === "F16") return encodeFloat16(values);
  if (dtype === "BF16") return encodeBfloat16(values);
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}
