/**
 * Resizing with PIL's arithmetic (`libImaging/Resample.c`, `Image.resize` without
 * `reducing_gap`), so that an 8-bit image resized here is bit-identical to PIL's: the same
 * filter support scaled by the shrink factor (antialiasing), the same bounds, coefficients
 * normalised per output pixel then rounded to 22-bit fixed point, a horizontal pass then a
 * vertical one, each rounded and clipped to 0-255. Float images follow PIL's mode "F" path
 * (double coefficients, float32 results, no rounding). Nearest follows PIL's affine scale.
 *
 * Only the output pixels in a requested window are computed (each output pixel depends only on
 * its own coefficients, so a window of PIL's result is computed exactly).
 *
 * @module
 */
import type { Interpolation } from "./dataConfig.js";

/** Pixels, row-major, `channels` values per pixel (8-bit in a Uint8Array, or float32). */
export interface Pixels {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Values per pixel (3 for RGB). */
  readonly channels: number;
  /** `height * width * channels` values. */
  readonly data: Uint8Array | Float32Array;
}

/** A half-open range `[start, end)` of output indices. */
export interface Window {
  /** First index computed. */
  readonly start: number;
  /** One past the last index computed. */
  readonly end: number;
}

/** PIL's `PRECISION_BITS` (32 - 8 - 2). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

interface Filter {
  readonly support: number;
  readonly fn: (x: number) => number;
}

const FILTERS: Record<"bilinear" | "bicubic", Filter> = {
  bilinear: {
    support: 1,
    fn: (x) => {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** One pass's coefficients for output indices `window.start ... window.end - 1`. */
interface Coefficients {
  readonly ksize: number;
  /** Per output index (relative to the window): first input index and count. */
  readonly bounds: Int32Array;
  /** Double coefficients, `ksize` per output index. */
  readonly weights: Float64Array;
  /** The same rounded to 22-bit fixed point (PIL's `normalize_coeffs_8bpc`). */
  readonly fixed: Int32Array;
}

/** PIL's `precompute_coeffs` for a box `[0, inSize)`, restricted to a window of outputs. */
function coefficients(inSize: number, outSize: number, filter: Filter, window: Window): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const count = window.end - window.start;
  const bounds = new Int32Array(count * 2);
  const weights = new Float64Array(count * ksize);
  const fixed = new Int32Array(count * ksize);
  const ss = 1 / filterscale;
  for (let i = 0; i < count; i++) {
    const xx = window.start + i;
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    const base = i * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = filter.fn((x + xmin - center + 0.5) * ss);
      weights[base + x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      if (ww !== 0) weights[base + x] = weights[base + x]! / ww;
      const k = weights[base + x]!;
      fixed[base + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights, fixed };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL's nearest (`ImagingScaleAffine` with the scale of `Image.resize`): the input index of each
 * output index, the source position accumulated from the first pixel as PIL does.
 */
function nearestIndices(inSize: number, outSize: number, window: Window): Int32Array {
  const scale = inSize / outSize;
  const out = new Int32Array(window.end - window.start);
  let xo = scale * 0.5;
  for (let x = 0; x < window.end; x++) {
    if (x >= window.start) {
      const index = xo < 0 ? -1 : Math.trunc(xo);
      out[x - window.start] = Math.min(Math.max(index, 0), inSize - 1);
    }
    xo += scale;
  }
  return out;
}

/**
 * Resizes `image` to `outWidth x outHeight` as PIL's `Image.resize(size, filter)` would, and
 * returns only the window `cols x rows` of the result (width `cols.end - cols.start`).
 *
 * @param image 8-bit or float pixels.
 * @param outWidth Width of the whole resized image.
 * @param outHeight Height of the whole resized image.
 * @param interpolation PIL's filter.
 * @param cols Output columns to compute.
 * @param rows Output rows to compute.
 * @returns Pixels of the window, of the same type as `image.data`.
 */
export function resizeWindow(
  image: Pixels,
  outWidth: number,
  outHeight: number,
  interpolation: Interpolation,
  cols: Window,
  rows: Window,
): Pixels {
  const { width, height, channels, data } = image;
  const winW = cols.end - cols.start;
  const winH = rows.end - rows.start;
  const is8 = data instanceof Uint8Array;
  if (interpolation === "nearest") {
    const xs = width === outWidth ? identity(cols) : nearestIndices(width, outWidth, cols);
    const ys = height === outHeight ? identity(rows) : nearestIndices(height, outHeight, rows);
    const out = is8 ? new Uint8Array(winW * winH * channels) : new Float32Array(winW * winH * channels);
    for (let y = 0; y < winH; y++) {
      const srcRow = ys[y]! * width;
      for (let x = 0; x < winW; x++) {
        const s = (srcRow + xs[x]!) * channels;
        const d = (y * winW + x) * channels;
        for (let c = 0; c < channels; c++) out[d + c] = data[s + c]!;
      }
    }
    return { width: winW, height: winH, channels, data: out };
  }
  const filter = FILTERS[interpolation];
  const needH = outWidth !== width;
  const needV = outHeight !== height;
  // Vertical coefficients first: they say which input rows the horizontal pass must produce.
  const vert = needV ? coefficients(height, outHeight, filter, rows) : null;
  let rowFirst: number;
  let rowLast: number;
  if (vert) {
    rowFirst = vert.bounds[0]!;
    rowLast = vert.bounds[(winH - 1) * 2]! + vert.bounds[(winH - 1) * 2 + 1]!;
  } else {
    rowFirst = rows.start;
    rowLast = rows.end;
  }
  // Horizontal pass over input rows rowFirst ... rowLast - 1, columns of the window.
  const midH = rowLast - rowFirst;
  let mid: Uint8Array | Float32Array;
  if (needH) {
    const hor = coefficients(width, outWidth, filter, cols);
    mid = is8 ? new Uint8Array(midH * winW * channels) : new Float32Array(midH * winW * channels);
    horizontal(data, width, channels, rowFirst, midH, hor, winW, mid);
  } else {
    mid = copyBlock(data, width, channels, rowFirst, midH, cols.start, winW, is8);
  }
  if (!vert) return { width: winW, height: winH, channels, data: mid };
  const out = is8 ? new Uint8Array(winH * winW * channels) : new Float32Array(winH * winW * channels);
  vertical(mid, winW, channels, rowFirst, winH, vert, out);
  return { width: winW, height: winH, channels, data: out };
}

function identity(window: Window): Int32Array {
  const out = new Int32Array(window.end - window.start);
  for (let i = 0; i < out.length; i++) out[i] = window.start + i;
  return out;
}

function copyBlock(
  data: Uint8Array | Float32Array,
  width: number,
  channels: number,
  rowFirst: number,
  rowCount: number,
  colStart: number,
  colCount: number,
  is8: boolean,
): Uint8Array | Float32Array {
  const out = is8 ? new Uint8Array(rowCount * colCount * channels) : new Float32Array(rowCount * colCount * channels);
  for (let y = 0; y < rowCount; y++) {
    const s = ((rowFirst + y) * width + colStart) * channels;
    out.set(data.subarray(s, s + colCount * channels), y * colCount * channels);
  }
  return out;
}

function horizontal(
  data: Uint8Array | Float32Array,
  width: number,
  channels: number,
  rowFirst: number,
  rowCount: number,
  k: Coefficients,
  outCols: number,
  out: Uint8Array | Float32Array,
): void {
  const { ksize, bounds, weights, fixed } = k;
  const is8 = data instanceof Uint8Array;
  if (is8 && channels === 3) {
    // The common case, all three channels in one sweep over the taps.
    for (let y = 0; y < rowCount; y++) {
      const rowBase = (rowFirst + y) * width;
      for (let xx = 0; xx < outCols; xx++) {
        const xmax = bounds[xx * 2 + 1]!;
        const kb = xx * ksize;
        let s = (rowBase + bounds[xx * 2]!) * 3;
        let r = HALF;
        let g = HALF;
        let b = HALF;
        for (let x = 0; x < xmax; x++, s += 3) {
          const w = fixed[kb + x]!;
          r += data[s]! * w;
          g += data[s + 1]! * w;
          b += data[s + 2]! * w;
        }
        const d = (y * outCols + xx) * 3;
        out[d] = clip8(r);
        out[d + 1] = clip8(g);
        out[d + 2] = clip8(b);
      }
    }
    return;
  }
  for (let y = 0; y < rowCount; y++) {
    const rowBase = (rowFirst + y) * width;
    for (let xx = 0; xx < outCols; xx++) {
      const xmin = bounds[xx * 2]!;
      const xmax = bounds[xx * 2 + 1]!;
      const kb = xx * ksize;
      const d = (y * outCols + xx) * channels;
      for (let c = 0; c < channels; c++) {
        let s = rowBase + xmin;
        if (is8) {
          let ss = HALF;
          for (let x = 0; x < xmax; x++, s++) ss += data[s * channels + c]! * fixed[kb + x]!;
          out[d + c] = clip8(ss);
        } else {
          let ss = 0;
          for (let x = 0; x < xmax; x++, s++) ss += data[s * channels + c]! * weights[kb + x]!;
          out[d + c] = ss;
        }
      }
    }
  }
}

function vertical(
  mid: Uint8Array | Float32Array,
  cols: number,
  channels: number,
  rowFirst: number,
  outRows: number,
  k: Coefficients,
  out: Uint8Array | Float32Array,
): void {
  const { ksize, bounds, weights, fixed } = k;
  const is8 = mid instanceof Uint8Array;
  const stride = cols * channels;
  for (let yy = 0; yy < outRows; yy++) {
    const ymin = bounds[yy * 2]! - rowFirst;
    const ymax = bounds[yy * 2 + 1]!;
    const kb = yy * ksize;
    for (let i = 0; i < stride; i++) {
      let p = ymin * stride + i;
      if (is8) {
        let ss = HALF;
        for (let y = 0; y < ymax; y++, p += stride) ss += mid[p]! * fixed[kb + y]!;
        out[yy * stride + i] = clip8(ss);
      } else {
        let ss = 0;
        for (let y = 0; y < ymax; y++, p += stride) ss += mid[p]! * weights[kb + y]!;
        out[yy * stride + i] = ss;
      }
    }
  }
}
