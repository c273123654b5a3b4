/**
 * The few protocol-buffer wire encodings an ONNX file needs: varints, 32-bit floats and
 * length-delimited fields (strings, bytes, nested messages, packed repeated numbers).
 * See https://protobuf.dev/programming-guides/encoding/.
 *
 * @module
 */

/** Wire types of the protobuf encoding. */
export const WireType = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

const textEncoder = new TextEncoder();

/**
 * Builds one protobuf message field by field; {@link ProtoWriter.finish} returns its bytes.
 * Numbers written as varints must be non-negative safe integers (ONNX's dims, enums,
 * versions and attribute ints here are); negative int64s are refused rather than written
 * in ten bytes.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch: number[] = [];
  private size = 0;

  /** A varint field (int32, int64, uint64, enum, bool). */
  varint(field: number, value: number): this {
    this.tag(field, WireType.varint);
    this.rawVarint(value);
    return this;
  }

  /** A 32-bit float field. */
  float(field: number, value: number): this {
    this.tag(field, WireType.fixed32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  /** A string field, UTF-8 encoded. */
  string(field: number, value: string): this {
    return this.bytes(field, textEncoder.encode(value));
  }

  /** A bytes field (also a nested message's encoding). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.lengthDelimited);
    this.rawVarint(value.length);
    this.push(value);
    return this;
  }

  /** A nested message: `write` fills a fresh writer whose bytes become this field. */
  message(field: number, write: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field (e.g. `repeated int64 dims`). Nothing is written for an empty list. */
  packedVarints(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const value of values) inner.rawVarint(value);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field. Nothing is written for an empty list. */
  packedFloats(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((value, i) => view.setFloat32(4 * i, value, true));
    return this.bytes(field, bytes);
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    this.flushScratch();
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 536_870_911) {
      throw new RangeError(`protobuf field number must be an integer in 1..2^29-1; got ${field}`);
    }
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`protobuf varint must be a non-negative safe integer; got ${value}`);
    }
    // Seven bits at a time, low first; arithmetic rather than bit operators, which are 32-bit.
    while (value >= 0x80) {
      this.scratch.push((value % 0x80) + 0x80);
      value = Math.floor(value / 0x80);
    }
    this.scratch.push(value);
  }

  private push(bytes: Uint8Array): void {
    this.flushScratch();
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private flushScratch(): void {
    if (this.scratch.length === 0) return;
    this.chunks.push(Uint8Array.from(this.scratch));
    this.size += this.scratch.length;
    this.scratch = [];
  }
}
