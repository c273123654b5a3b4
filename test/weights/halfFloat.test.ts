import { describe, expect, it } from "vitest";
import { decodeFloats, encodeFloats } from "../../src/weights/dtypes.js";
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from "../../src/weights/halfFloat.js";
import { decodeSafetensors } from "../../src/weights/safetensors.js";
import { readFixture, sameBits } from "./helpers.js";

// dtypes.safetensors: float32 values and PyTorch's float16 / bfloat16 roundings of them,
// written by scripts/make-torchvision-fixture.py dtypes.
const file = decodeSafetensors(readFixture("dtypes.safetensors"));
const tensor = (name: string) => {
  const found = file.tensors.find((t) => t.name === name);
  if (!found) throw new Error(`fixture has no ${name}`);
  return found;
};
const values = decodeFloats("F32", tensor("values").data);

describe("float16 and bfloat16 against PyTorch", () => {
  it("the fixture covers the edge cases (specials, subnormals, ties, overflow)", () => {
    expect(values.length).toBeGreaterThan(1000);
    expect(values.some(Number.isNaN)).toBe(true);
    expect(values.includes(65520)).toBe(true);
  });

  it("decodes float16 exactly as torch's .half().float()", () => {
    expect(tensor("values.f16").dtype).toBe("F16");
    const ours = decodeFloats("F16", tensor("values.f16").data);
    expect(sameBits(ours, decodeFloats("F32", tensor("values.f16.as_f32").data))).toBe(true);
  });

  it("decodes bfloat16 exactly as torch's .bfloat16().float()", () => {
    const ours = decodeFloats("BF16", tensor("values.bf16").data);
    expect(sameBits(ours, decodeFloats("F32", tensor("values.bf16.as_f32").data))).toBe(true);
  });

  it("encodes float16 to the same bits as torch's .half() (round to nearest even)", () => {
    expect(Array.from(encodeFloats("F16", values))).toEqual(Array.from(tensor("values.f16").data));
  });

  it("encodes bfloat16 to the same bits as torch's .bfloat16() (any NaN for NaN)", () => {
    // torch's vectorised conversion writes NaN as 0xffff, its scalar one as 0x7fc0 (as we do).
    const ours = new Uint16Array(encodeFloats("BF16", values).buffer);
    const torch = new Uint16Array(tensor("values.bf16").data.slice().buffer);
    const nan = (bits: number) => (bits & 0x7f80) === 0x7f80 && (bits & 0x7f) !== 0;
    expect(Array.from(ours, (bits, i) => (nan(bits) && nan(torch[i]!) ? -1 : bits))).toEqual(
      Array.from(torch, (bits, i) => (nan(bits) && nan(ours[i]!) ? -1 : bits)),
    );
    expect(values.filter(Number.isNaN).length).toBeGreaterThan(0);
  });
});

describe("float16 and bfloat16 bit patterns (IEEE 754-2008 binary16, Google Brain bfloat16)", () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [2 ** -14, 0x0400],
    [2 ** -24, 0x0001],
    [Infinity, 0x7c00],
    [-0, 0x8000],
  ])("float16 %d is 0x%s", (value, bits) => {
    expect(numberToFloat16Bits(value)).toBe(bits);
    expect(Object.is(float16BitsToNumber(bits), value)).toBe(true);
  });

  it("float16 rounds ties to even and overflows to infinity", () => {
    expect(numberToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie, down to even
    expect(numberToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, up to even
    expect(numberToFloat16Bits(65520)).toBe(0x7c00);
    expect(numberToFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN)))).toBe(true);
  });

  it.each([
    [1, 0x3f80],
    [-2, 0xc000],
    [Infinity, 0x7f80],
    [2 ** -126, 0x0080],
  ])("bfloat16 %d is 0x%s", (value, bits) => {
    expect(numberToBfloat16Bits(value)).toBe(bits);
    expect(bfloat16BitsToNumber(bits)).toBe(value);
  });
});
