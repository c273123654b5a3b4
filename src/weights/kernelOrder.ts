/**
 * Reordering of kernel data between PyTorch's layouts and TensorFlow's, on plain arrays
 * (no tensors, so nothing to dispose and nothing half-done if a later check fails).
 *
 * @module
 */

/**
 * How a weight is ordered in a file relative to the model:
 * - `'same'`: as in the model;
 * - `'oihw'`: a convolution kernel stored `[out, in, height, width]` (PyTorch) for the
 *   model's `[height, width, in, out]` (TensorFlow);
 * - `'transposed'`: a dense kernel stored `[out, in]` (PyTorch) for the model's `[in, out]`.
 */
export type KernelOrder = "same" | "oihw" | "transposed";

/** The shape in the file of a model weight of shape `shape`. */
export function fileShape(order: KernelOrder, shape: readonly number[]): number[] {
  if (order === "oihw") {
    const [h, w, i, o] = shape as [number, number, number, number];
    return [o, i, h, w];
  }
  if (order === "transposed") return [shape[1]!, shape[0]!];
  return [...shape];
}

/** Values of a weight in the model's order from values in the file's order (`shape`: the model's). */
export function toModelOrder(order: KernelOrder, values: Float32Array, shape: readonly number[]): Float32Array {
  if (order === "oihw") {
    const [h, w, i, o] = shape as [number, number, number, number];
    // file [o][i][y][x] -> model [y][x][i][o]
    return permute4(values, [o, i, h, w], [2, 3, 1, 0]);
  }
  if (order === "transposed") return transpose2(values, shape[1]!, shape[0]!);
  return values;
}

/** Values of a weight in the file's order from values in the model's order (`shape`: the model's). */
export function toFileOrder(order: KernelOrder, values: Float32Array, shape: readonly number[]): Float32Array {
  if (order === "oihw") {
    const [h, w, i, o] = shape as [number, number, number, number];
    // model [y][x][i][o] -> file [o][i][y][x]
    return permute4(values, [h, w, i, o], [3, 2, 0, 1]);
  }
  if (order === "transposed") return transpose2(values, shape[0]!, shape[1]!);
  return values;
}

/** A `rows x columns` row-major matrix transposed. */
function transpose2(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c]!;
  }
  return out;
}

/**
 * A 4-D row-major array of shape `shape` with its axes reordered: output axis `k` is input
 * axis `axes[k]` (as `tf.transpose(x, axes)`).
 */
function permute4(values: Float32Array, shape: readonly number[], axes: readonly number[]): Float32Array {
  const inStrides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  const outShape = axes.map((axis) => shape[axis]!);
  const s = axes.map((axis) => inStrides[axis]!);
  const [n0, n1, n2, n3] = outShape as [number, number, number, number];
  const [s0, s1, s2, s3] = s as [number, number, number, number];
  const out = new Float32Array(values.length);
  let k = 0;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        const base = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < n3; d++) out[k++] = values[base + d * s3]!;
      }
    }
  }
  return out;
}
