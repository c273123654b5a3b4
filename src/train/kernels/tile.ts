/**
 * A `Tile` for the WASM backend made of block copies. tfjs-backend-wasm 4.22's computes every
 * output element's source index (about 90 ns an element here); batch-norm gradients tile a
 * per-channel vector to the whole activation, which made Tile the largest cost of a ResNet
 * training step. Registered only on request (see `registerWasmTrainingKernels`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

type Numeric = Float32Array | Int32Array | Uint8Array;

/**
 * Writes `src` (shape `shape`) tiled `reps` times into `dst`: each input row is copied once,
 * then every finished block is doubled with `copyWithin` until it fills its repeats.
 */
export function tileInto(src: Numeric, dst: Numeric, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const inStrides = new Array<number>(rank);
  const outStrides = new Array<number>(rank);
  inStrides[rank - 1] = 1;
  outStrides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) {
    inStrides[d] = inStrides[d + 1]! * shape[d + 1]!;
    outStrides[d] = outStrides[d + 1]! * shape[d + 1]! * reps[d + 1]!;
  }
  const fill = (d: number, inOffset: number, outOffset: number): void => {
    const size = shape[d]!;
    if (d === rank - 1) {
      dst.set(src.subarray(inOffset, inOffset + size), outOffset);
    } else {
      for (let i = 0; i < size; i++) fill(d + 1, inOffset + i * inStrides[d]!, outOffset + i * outStrides[d]!);
    }
    const block = size * outStrides[d]!;
    const total = block * reps[d]!;
    for (let filled = block; filled < total; ) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(outOffset + filled, outOffset, outOffset + n);
      filled += n;
    }
  };
  fill(0, 0, 0);
}

/**
 * `Tile` for numeric tensors on the WASM heap; returns `null` for what it does not handle
 * (strings), so that the caller falls back to the backend's own kernel.
 */
export function tileBlocks(args: { inputs: tf.TileInputs; backend: BackendWasm; attrs: tf.TileAttrs }): tf.TensorInfo | null {
  const x = args.inputs.x as tf.TensorInfo;
  const { reps } = args.attrs;
  if (x.dtype === "string" || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((size, d) => size * reps[d]!);
  const out = args.backend.makeOutput(outShape, x.dtype);
  if (outShape.some((size) => size === 0)) return out;
  // Views after the allocation: it may grow the heap and detach older views.
  const src = args.backend.typedArrayFromHeap(x) as Numeric;
  const dst = args.backend.typedArrayFromHeap(out) as Numeric;
  tileInto(src, dst, x.shape, reps);
  return out;
}
