import { describe, expect, it } from "vitest";
import { decodeFloats } from "../../src/weights/dtypes.js";
import { WeightsFileError } from "../../src/weights/errors.js";
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from "../../src/weights/safetensors.js";
import { readFixture } from "./helpers.js";

/** A safetensors file built by hand: u64 length, the header as given, then `data`. */
function rawFile(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const DATA = new Uint8Array(40).map((_, i) => i);
const GOOD_HEADER = {
  a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 16] },
  b: { dtype: "F16", shape: [3], data_offsets: [16, 22] },
  c: { dtype: "BF16", shape: [1], data_offsets: [22, 24] },
  d: { dtype: "I64", shape: [2], data_offsets: [24, 40] },
};

function expectFileError(bytes: Uint8Array, message: RegExp): void {
  expect(() => decodeSafetensors(bytes)).toThrow(WeightsFileError);
  expect(() => decodeSafetensors(bytes)).toThrow(message);
}

describe("decodeSafetensors", () => {
  it("reads a file written by PyTorch-side code (scripts/make-torchvision-fixture.py)", () => {
    const file = decodeSafetensors(readFixture("dtypes.safetensors"));
    expect(file.metadata.made_by).toMatch(/make-torchvision-fixture/);
    const byName = new Map(file.tensors.map((t) => [t.name, t]));
    expect(byName.get("values")).toMatchObject({ dtype: "F32" });
    expect(byName.get("values.f16")).toMatchObject({ dtype: "F16", shape: byName.get("values")!.shape });
    const counter = byName.get("num_batches_tracked")!;
    expect(counter).toMatchObject({ dtype: "I64", shape: [] });
    expect(new DataView(counter.data.buffer, counter.data.byteOffset).getBigInt64(0, true)).toBe(7n);
    const matrix = byName.get("matrix.f16")!;
    expect(matrix.shape).toEqual([2, 3, 4]);
    expect(Array.from(decodeFloats("F16", matrix.data))).toEqual(Array.from({ length: 24 }, (_, i) => i / 8));
  });

  it("reads a hand-made file: names, dtypes, shapes and byte ranges", () => {
    const file = decodeSafetensors(rawFile(GOOD_HEADER, DATA));
    expect(file.tensors.map((t) => [t.name, t.dtype, t.shape, t.data[0], t.data.length])).toEqual([
      ["a", "F32", [2, 2], 0, 16],
      ["b", "F16", [3], 16, 6],
      ["c", "BF16", [1], 22, 2],
      ["d", "I64", [2], 24, 16],
    ]);
    expect(file.metadata).toEqual({});
  });

  it("accepts an ArrayBuffer and a view with a byte offset", () => {
    const bytes = rawFile(GOOD_HEADER, DATA);
    expect(decodeSafetensors(bytes.slice().buffer).tensors).toHaveLength(4);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeSafetensors(shifted.subarray(3)).tensors[0]!.data[5]).toBe(5);
  });

  it("rejects every truncation of a valid file", () => {
    const bytes = rawFile({ ...GOOD_HEADER, __metadata__: { x: "y" } }, DATA);
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeSafetensors(bytes.subarray(0, length)), `truncated to ${length} bytes`).toThrow(WeightsFileError);
    }
  });

  it.each([
    ["an empty file", new Uint8Array(0), /0 bytes, too short/],
    ["a header length past the end", (() => {
      const bytes = rawFile(GOOD_HEADER, DATA);
      new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
      return bytes;
    })(), /header length field says 9223372036854775808 bytes, but only \d+ bytes follow/],
    ["a header that is not JSON", rawFile(null, DATA, '{"a": {"dtype": "F32",'), /not valid JSON/],
    ["a header that is not UTF-8", rawFile(null, DATA, "{}").map((b, i) => (i === 9 ? 0xff : b)), /not valid UTF-8/],
    ["a header that is an array", rawFile([1, 2], new Uint8Array(0)), /must be a JSON object; got an array/],
    ["overlapping tensors", rawFile({ ...GOOD_HEADER, b: { dtype: "F16", shape: [3], data_offsets: [14, 20] } }, DATA), /"a" \(bytes 0 to 16\) and "b" \(bytes 14 to 20\) overlap/],
    ["offsets past the data", rawFile({ ...GOOD_HEADER, d: { dtype: "I64", shape: [2], data_offsets: [24, 40] } }, DATA.subarray(0, 30)), /tensor "d" has data_offsets \[24, 40\], past the end of the data \(30 bytes\)/],
    ["a gap between tensors", rawFile({ a: GOOD_HEADER.a, d: GOOD_HEADER.d }, DATA), /bytes 16 to 24 of the data belong to no tensor \(before "d"\)/],
    ["trailing bytes", rawFile({ a: GOOD_HEADER.a }, DATA), /data is 40 bytes but its tensors cover only 16/],
    ["a size that does not fit the shape", rawFile({ ...GOOD_HEADER, a: { dtype: "F32", shape: [2, 3], data_offsets: [0, 16] } }, DATA), /tensor "a": F32 \[2, 3\] needs 24 bytes, but data_offsets \[0, 16\] hold 16/],
    ["begin after end", rawFile({ ...GOOD_HEADER, a: { dtype: "F32", shape: [0], data_offsets: [16, 0] } }, DATA), /tensor "a": data_offsets must be \[begin, end\]/],
    ["negative offsets", rawFile({ ...GOOD_HEADER, a: { dtype: "F32", shape: [4], data_offsets: [-16, 0] } }, DATA), /tensor "a": data_offsets must be/],
    ["an unknown dtype", rawFile({ ...GOOD_HEADER, a: { dtype: "Q4", shape: [4], data_offsets: [0, 16] } }, DATA), /tensor "a" has dtype "Q4"; known dtypes are BOOL/],
    ["a shape that is not a list", rawFile({ ...GOOD_HEADER, a: { dtype: "F32", shape: 4, data_offsets: [0, 16] } }, DATA), /tensor "a": shape must be an array of whole numbers; got 4/],
    ["an entry that is not an object", rawFile({ ...GOOD_HEADER, a: "F32" }, DATA), /tensor "a": its header entry must be an object/],
    ["metadata that is not strings", rawFile({ ...GOOD_HEADER, __metadata__: { step: 3 } }, DATA), /__metadata__.step must be a string; got 3/],
  ])("rejects %s with a clear error", (_, bytes, message) => {
    expectFileError(bytes as Uint8Array, message as RegExp);
  });

  it("never crashes on corrupted bytes: it decodes or throws WeightsFileError", () => {
    const bytes = rawFile(GOOD_HEADER, DATA);
    let state = 12345;
    const random = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
    let rejected = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const copy = bytes.slice();
      for (let k = 0; k < 3; k++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      try {
        decodeSafetensors(copy);
      } catch (error) {
        expect(error).toBeInstanceOf(WeightsFileError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it("rejects what is not bytes", () => {
    expect(() => decodeSafetensors("file.safetensors" as never)).toThrow(
      /bytes must be a Uint8Array or an ArrayBuffer; got "file.safetensors"/,
    );
  });
});

describe("encodeSafetensors", () => {
  const tensors: SafetensorsTensor[] = [
    { name: "w", dtype: "F32", shape: [3], data: new Uint8Array(12).fill(1) },
    { name: "h", dtype: "F16", shape: [1, 1], data: new Uint8Array([0, 0x3c]) },
    { name: "empty", dtype: "BF16", shape: [0, 4], data: new Uint8Array(0) },
  ];

  it("writes a header the format describes: u64 length, JSON, data 8-byte aligned", () => {
    const bytes = encodeSafetensors(tensors, { format: "pt" });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + length) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    expect(header).toEqual({
      __metadata__: { format: "pt" },
      w: { dtype: "F32", shape: [3], data_offsets: [0, 12] },
      h: { dtype: "F16", shape: [1, 1], data_offsets: [12, 14] },
      empty: { dtype: "BF16", shape: [0, 4], data_offsets: [14, 14] },
    });
    expect(Array.from(bytes.subarray(8 + length))).toEqual([...new Array(12).fill(1), 0, 0x3c]);
  });

  it("round-trips through decodeSafetensors", () => {
    const file = decodeSafetensors(encodeSafetensors(tensors, { a: "b" }));
    expect(file.metadata).toEqual({ a: "b" });
    expect(file.tensors.map((t) => ({ ...t, data: Array.from(t.data) }))).toEqual(
      tensors.map((t) => ({ ...t, data: Array.from(t.data) })),
    );
  });

  it.each([
    ["a size that does not fit the shape", [{ name: "w", dtype: "F32", shape: [2], data: new Uint8Array(4) }], /tensor "w": F32 \[2\] needs 8 bytes; got 4/],
    ["a duplicate name", [tensors[0]!, tensors[0]!], /tensor name "w" is used twice/],
    ["the reserved name", [{ ...tensors[0]!, name: "__metadata__" }], /reserved/],
    ["an unknown dtype", [{ ...tensors[0]!, dtype: "F4" }], /dtype "F4"; known dtypes are/],
  ])("refuses %s", (_, bad, message) => {
    expect(() => encodeSafetensors(bad as SafetensorsTensor[])).toThrow(message as RegExp);
  });
});
