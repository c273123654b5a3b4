/**
 * Float64 brute-force convolution gradients, written from the definition of a forward
 * convolution (no tfjs geometry code), for checking the WASM training kernels.
 */

/** Padding as the kernels take it. */
export type Pad = "same" | "valid" | number | [[0, 0], [number, number], [number, number], [0, 0]];

/** Geometry of one spatial dimension: output size and padding before the first element. */
export function dimension(inSize: number, kernel: number, stride: number, pad: Pad, axis: 1 | 2): { out: number; before: number } {
  if (pad === "same") {
    // TensorFlow's rule: ceil(in / stride) outputs, the odd padding element goes after.
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + kernel - inSize, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [before, after] = pad === "valid" ? [0, 0] : typeof pad === "number" ? [pad, pad] : pad[axis];
  return { out: Math.floor((inSize + before + after - kernel) / stride) + 1, before };
}

/** A gradient with, per element, the sum of |terms| and the number of terms (for error bounds). */
export interface Reference {
  value: Float64Array;
  absSum: Float64Array;
  terms: Int32Array;
}

function newReference(size: number): Reference {
  return { value: new Float64Array(size), absSum: new Float64Array(size), terms: new Int32Array(size) };
}

function add(ref: Reference, k: number, term: number): void {
  ref.value[k] = ref.value[k]! + term;
  ref.absSum[k] = ref.absSum[k]! + Math.abs(term);
  ref.terms[k] = ref.terms[k]! + 1;
}

/** dW[i, j, ci, co] = sum over n, oh, ow of x[n, oh*s + i - pt, ow*s + j - pl, ci] * dy[n, oh, ow, co]. */
export function filterGradient(
  x: Float32Array,
  xShape: readonly number[],
  dy: Float32Array,
  kernel: number,
  outChannels: number,
  stride: number,
  pad: Pad,
): Reference {
  const [batch, height, width, inChannels] = xShape as [number, number, number, number];
  const rows = dimension(height, kernel, stride, pad, 1);
  const cols = dimension(width, kernel, stride, pad, 2);
  const ref = newReference(kernel * kernel * inChannels * outChannels);
  for (let i = 0; i < kernel; i++)
    for (let j = 0; j < kernel; j++)
      for (let n = 0; n < batch; n++)
        for (let oh = 0; oh < rows.out; oh++) {
          const h = oh * stride + i - rows.before;
          if (h < 0 || h >= height) continue;
          for (let ow = 0; ow < cols.out; ow++) {
            const w = ow * stride + j - cols.before;
            if (w < 0 || w >= width) continue;
            for (let ci = 0; ci < inChannels; ci++) {
              const xv = x[((n * height + h) * width + w) * inChannels + ci]!;
              for (let co = 0; co < outChannels; co++) {
                const t = xv * dy[((n * rows.out + oh) * cols.out + ow) * outChannels + co]!;
                const k = ((i * kernel + j) * inChannels + ci) * outChannels + co;
                add(ref, k, t);
              }
            }
          }
        }
  return ref;
}

/** dx[n, h, w, ci] = sum over oh, ow, co with tap (h + pt - oh*s, w + pl - ow*s) inside the kernel. */
export function inputGradient(
  dy: Float32Array,
  filter: Float32Array,
  xShape: readonly number[],
  kernel: number,
  outChannels: number,
  stride: number,
  pad: Pad,
): Reference {
  const [batch, height, width, inChannels] = xShape as [number, number, number, number];
  const rows = dimension(height, kernel, stride, pad, 1);
  const cols = dimension(width, kernel, stride, pad, 2);
  const ref = newReference(batch * height * width * inChannels);
  for (let n = 0; n < batch; n++)
    for (let oh = 0; oh < rows.out; oh++)
      for (let ow = 0; ow < cols.out; ow++)
        for (let i = 0; i < kernel; i++) {
          const h = oh * stride + i - rows.before;
          if (h < 0 || h >= height) continue;
          for (let j = 0; j < kernel; j++) {
            const w = ow * stride + j - cols.before;
            if (w < 0 || w >= width) continue;
            for (let ci = 0; ci < inChannels; ci++) {
              const k = ((n * height + h) * width + w) * inChannels + ci;
              for (let co = 0; co < outChannels; co++) {
                const t = dy[((n * rows.out + oh) * cols.out + ow) * outChannels + co]! * filter[((i * kernel + j) * inChannels + ci) * outChannels + co]!;
                add(ref, k, t);
              }
            }
          }
        }
  return ref;
}

/** Unit roundoff of float32. */
export const FLOAT32_U = 2 ** -24;

/**
 * Largest ratio |got - ref| / bound over all elements, where bound = scale * (terms + 1) * u *
 * sum|terms| is the worst-case error of summing that many float32 products in any order
 * (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., eq. 3.5) times `scale`.
 * At most 1 means within the bound. Elements with no terms must be exactly zero.
 */
export function worstBoundRatio(got: Float32Array, ref: Reference, scale = 1): number {
  let worst = 0;
  for (let k = 0; k < got.length; k++) {
    const error = Math.abs(got[k]! - ref.value[k]!);
    const bound = scale * (ref.terms[k]! + 1) * FLOAT32_U * ref.absSum[k]!;
    const ratio = bound === 0 ? (error === 0 ? 0 : Infinity) : error / bound;
    worst = Math.max(worst, ratio);
  }
  return worst;
}

/** Deterministic standard-normal-ish float32 values (sum of uniforms), seeded. */
export function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = uniform() + uniform() + uniform() - 1.5;
  return out;
}
