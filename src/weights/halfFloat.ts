/**
 * IEEE 754 half precision (float16) and bfloat16 to and from float32, in plain
 * TypeScript. Rounding is to nearest, ties to even, as PyTorch and NumPy do.
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let f16Table: Float32Array | undefined;

/** The float32 value of each of the 65536 float16 bit patterns (built on first use). */
function float16Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = float16BitsToNumber(bits);
  }
  return f16Table;
}

/** The number a float16 bit pattern stands for. */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return mantissa ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** The float16 bit pattern nearest to `value` (ties to even; overflow to infinity). */
export function numberToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const halfExponent = exponent - 112; // rebias 127 -> 15
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal in float16: the value in units of 2^-24 is significand * 2^(exponent - 126).
    const shift = 126 - exponent;
    if (shift > 24) return sign;
    const significand = mantissa | 0x800000;
    return sign | roundShift(significand, shift);
  }
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  return (sign | (halfExponent << 10)) + roundShift(mantissa, 13);
}

/** `value >> shift`, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const quotient = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && (quotient & 1) === 1) ? quotient + 1 : quotient;
}

/** The number a bfloat16 bit pattern stands for. */
export function bfloat16BitsToNumber(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** The bfloat16 bit pattern nearest to `value` (ties to even). */
export function numberToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) & 0x8000) | 0x7fc0; // NaN stays NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Float32 values of little-endian float16 data. */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  const table = float16Table();
  const out = new Float32Array(bytes.length >>> 1);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) out[i] = table[bytes[j]! | (bytes[j + 1]! << 8)]!;
  return out;
}

/** Float32 values of little-endian bfloat16 data. */
export function decodeBfloat16(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >>> 1);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) bits[i] = ((bytes[j]! | (bytes[j + 1]! << 8)) << 16) >>> 0;
  return out;
}

/** Little-endian float16 data of float32 values. */
export function encodeFloat16(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const bits = numberToFloat16Bits(values[i]!);
    out[j] = bits & 0xff;
    out[j + 1] = bits >>> 8;
  }
  return out;
}

/** Little-endian bfloat16 data of float32 values. */
export function encodeBfloat16(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, j = 0; i < values.length; i++, j += 2) {
    const bits = numberToBfloat16Bits(values[i]!);
    out[j] = bits & 0xff;
    out[j + 1] = bits >>> 8;
  }
  return out;
}
