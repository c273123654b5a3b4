/**
 * The hand-written protobuf writer of resnet-blocks/onnx against the encodings of the
 * protobuf documentation (the whole file is read back with ONNX's own schema in
 * export.test.ts).
 */
import { describe, expect, it } from "vitest";
import { ProtoWriter } from "../../src/onnx/protobuf.js";

const bytes = (writer: ProtoWriter) => Array.from(writer.finish());

describe("ProtoWriter", () => {
  // Examples of https://protobuf.dev/programming-guides/encoding/.
  it("writes the documentation's varint, string, nested and packed examples", () => {
    expect(bytes(new ProtoWriter().varint(1, 150))).toEqual([0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().string(2, "testing"))).toEqual([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]);
    expect(bytes(new ProtoWriter().message(3, (w) => w.varint(1, 150)))).toEqual([0x1a, 0x03, 0x08, 0x96, 0x01]);
    expect(bytes(new ProtoWriter().packedVarints(4, [3, 270, 86942]))).toEqual([0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]);
  });

  it("writes varints beyond 32 bits, floats little-endian, and nothing for empty packed lists", () => {
    // 2^40: five zero groups of 7 bits, then 2^5.
    expect(bytes(new ProtoWriter().varint(1, 2 ** 40))).toEqual([0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    // 1.0f is 0x3f800000; wire type 5 on field 1 is tag 0x0d.
    expect(bytes(new ProtoWriter().float(1, 1))).toEqual([0x0d, 0x00, 0x00, 0x80, 0x3f]);
    expect(bytes(new ProtoWriter().packedVarints(1, []).packedFloats(2, []))).toEqual([]);
  });

  it("refuses negative or fractional varints and bad field numbers", () => {
    expect(() => new ProtoWriter().varint(1, -1)).toThrow(RangeError);
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(/non-negative safe integer; got 1.5/);
    expect(() => new ProtoWriter().varint(0, 1)).toThrow(/field number/);
  });
});
