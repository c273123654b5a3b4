/**
 * Turns any accepted image input into RGB pixels, as PIL's `Image.open(...).convert("RGB")`
 * does: RGBA loses its alpha (no compositing), grey is replicated to R, G and B.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { describeValue } from "../../util/check.js";
import type { Pixels } from "./resample.js";

/**
 * Anything an image can be given as.
 *
 * - Browsers: `HTMLImageElement` (loaded), `HTMLCanvasElement`, `OffscreenCanvas`, `ImageBitmap`,
 *   `ImageData`, `Blob`/`File` (a PNG or JPEG; decoded with `createImageBitmap`, with EXIF
 *   orientation, colour-space conversion and alpha premultiplication turned off as PIL has them).
 *   Pixels are read through a 2-D canvas at their natural size, never resized by the canvas.
 * - Node: a file path (string) or the bytes of a PNG or JPEG (`Uint8Array`, `Buffer`,
 *   `ArrayBuffer`), decoded in JavaScript (pngjs, jpeg-js). 16-bit PNGs as PIL 9 reads them
 *   (grey: values clipped to 0-255, PIL's mode "I"; colour: the high byte). In browsers bytes are
 *   decoded as a Blob.
 * - Everywhere: a `tf.Tensor3D` `[height, width, channels]` or a `tf.Tensor4D`
 *   `[n, height, width, channels]` (n images), channels 1 (grey), 3 (RGB) or 4 (RGBA, alpha
 *   dropped). An `int32` tensor holds 8-bit values 0-255 (as `tf.browser.fromPixels` gives them)
 *   and is resized with PIL's 8-bit arithmetic; a `float32` tensor holds values on the same 0-255
 *   scale and is resized as PIL resizes mode "F" images (no rounding to integers). The tensor is
 *   not disposed.
 */
export type ImageInput =
  | string
  | Uint8Array
  | ArrayBuffer
  | Blob
  | ImageData
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | tf.Tensor3D
  | tf.Tensor4D;

function isInstance(value: unknown, name: string): boolean {
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === "function" && value instanceof (ctor as new (...args: never[]) => unknown);
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string" && !isInstance(globalThis, "Window");

/** RGB from RGBA bytes (alpha dropped, as PIL's RGBA -> RGB). */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): Pixels {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n * 4; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
  return { width, height, channels: 3, data: rgb };
}

/** A short name of an input's kind for errors. */
function kindOf(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape ${JSON.stringify(value.shape)}`;
  return describeValue(value);
}

const ACCEPTED =
  "a file path or PNG/JPEG bytes (Node), an HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap, ImageData or Blob (browsers), " +
  "or a tf.Tensor3D [height, width, 1|3|4] / tf.Tensor4D [n, height, width, 1|3|4] of dtype int32 (0-255) or float32 (0-255)";

/** Checks an input synchronously (type, tensor rank, channels and dtype); throws naming `argument`. */
export function checkImageInput(argument: string, value: unknown): void {
  if (value instanceof tf.Tensor) {
    const rank = value.rank;
    const channels = value.shape[rank - 1];
    if ((rank !== 3 && rank !== 4) || ![1, 3, 4].includes(channels ?? -1) || (value.shape as number[]).some((d: number) => d < 1)) {
      throw new RangeError(`${argument} must be a tensor [height, width, 1|3|4] or [n, height, width, 1|3|4]; got ${kindOf(value)}`);
    }
    if (value.dtype !== "int32" && value.dtype !== "float32") {
      throw new TypeError(`${argument} must be an int32 or float32 tensor; got ${kindOf(value)}`);
    }
    if (value.isDisposed) throw new Error(`${argument} is a disposed tensor`);
    return;
  }
  if (typeof value === "string") {
    if (!isNode) throw new TypeError(`${argument}: a file path (${describeValue(value)}) is accepted in Node only; in browsers pass an image element, a Blob or a tensor`);
    if (value.length === 0) throw new TypeError(`${argument} must be a non-empty file path; got ""`);
    return;
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return;
  for (const name of ["Blob", "ImageData", "ImageBitmap", "HTMLImageElement", "HTMLCanvasElement", "OffscreenCanvas"]) {
    if (isInstance(value, name)) return;
  }
  throw new TypeError(`${argument} must be ${ACCEPTED}; got ${kindOf(value)}`);
}

/**
 * A 16-bit PNG as PIL 9 reads it: grey (colour type 0) opens as mode "I" and `convert("RGB")`
 * clips each value to 0-255; grey with alpha, RGB and RGBA keep each value's high byte.
 * (pngjs would scale 65535 to 255 instead.)
 */
async function decode16BitPng(bytes: Uint8Array, name: string): Promise<Pixels> {
  const { PNG } = await import("pngjs");
  let png: { width: number; height: number; data: ArrayLike<number> };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true } as never) as never;
  } catch (error) {
    throw new Error(`${name}: cannot decode the PNG image (${(error as Error).message ?? String(error)})`);
  }
  const grey = bytes[25] === 0;
  const { width, height, data } = png;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
    for (let c = 0; c < 3; c++) {
      const v = data[i + c]!;
      rgb[j + c] = grey ? (v > 255 ? 255 : v) : v >> 8;
    }
  }
  return { width, height, channels: 3, data: rgb };
}

/** Decodes PNG/JPEG bytes in Node with the library's decoders. */
async function decodeBytesNode(bytes: Uint8Array, name: string): Promise<Pixels> {
  const isPng = bytes.length > 26 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (isPng && bytes[24] === 16) return decode16BitPng(bytes, name);
  const { decodeImage } = await import("../../train/data/decodeImage.js");
  const { width, height, rgba } = decodeImage(bytes, name);
  return rgbaToRgb(rgba, width, height);
}

/** Draws a browser image source on a canvas of its natural size and reads its RGBA bytes. */
function readCanvasSource(source: CanvasImageSource, width: number, height: number, argument: string): Pixels {
  if (!(width >= 1 && height >= 1)) throw new RangeError(`${argument} has no pixels (size ${width}x${height}); is the image loaded?`);
  const canvas =
    typeof OffscreenCanvas !== "undefined" ? new OffscreenCanvas(width, height) : Object.assign(document.createElement("canvas"), { width, height });
  const ctx = canvas.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error(`${argument}: this browser gave no 2-D canvas context to read the pixels`);
  ctx.drawImage(source, 0, 0);
  const data = ctx.getImageData(0, 0, width, height).data;
  return rgbaToRgb(data, width, height);
}

async function decodeBlob(blob: Blob, argument: string): Promise<Pixels> {
  if (typeof createImageBitmap !== "function") throw new TypeError(`${argument}: decoding a Blob needs createImageBitmap (a browser or worker)`);
  const bitmap = await createImageBitmap(blob, { imageOrientation: "none" as ImageOrientation, premultiplyAlpha: "none", colorSpaceConversion: "none" });
  try {
    return readCanvasSource(bitmap, bitmap.width, bitmap.height, argument);
  } finally {
    bitmap.close();
  }
}

/** Pixels of one tensor image `[h, w, c]` (values read, not disposed). */
function tensorPixels(data: Int32Array | Float32Array | Uint8Array, height: number, width: number, channels: number, float: boolean): Pixels {
  const n = height * width;
  const out = float ? new Float32Array(n * 3) : new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[i * channels + (channels === 1 ? 0 : c)]!;
      out[i * 3 + c] = float ? v : v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Reads one input as RGB pixels (a 4-D tensor gives several).
 *
 * @param argument Name of the input for errors, e.g. `images[2]`.
 */
export async function toRgbPixels(value: ImageInput, argument: string): Promise<Pixels[]> {
  checkImageInput(argument, value);
  if (value instanceof tf.Tensor) {
    const [n, height, width, channels] = value.rank === 3 ? [1, ...value.shape] : value.shape;
    const data = (await value.data()) as Int32Array | Float32Array;
    const float = value.dtype === "float32";
    const size = height! * width! * channels!;
    const out: Pixels[] = [];
    for (let i = 0; i < n!; i++) out.push(tensorPixels(data.subarray(i * size, (i + 1) * size), height!, width!, channels!, float));
    return out;
  }
  if (typeof value === "string") {
    const { readFile } = await import("node:fs/promises");
    let bytes: Uint8Array;
    try {
      bytes = await readFile(value);
    } catch (error) {
      throw new Error(`${argument}: cannot read the image file ${JSON.stringify(value)} (${(error as Error).message})`);
    }
    return [await decodeBytesNode(bytes, value)];
  }
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    if (isNode) return [await decodeBytesNode(bytes, argument)];
    return [await decodeBlob(new Blob([bytes as unknown as BlobPart]), argument)];
  }
  if (isInstance(value, "ImageData")) {
    const image = value as ImageData;
    return [rgbaToRgb(image.data, image.width, image.height)];
  }
  if (isInstance(value, "Blob")) return [await decodeBlob(value as Blob, argument)];
  if (isInstance(value, "HTMLImageElement")) {
    const image = value as HTMLImageElement;
    if (!image.complete) throw new Error(`${argument}: the HTMLImageElement has not finished loading (await image.decode() first)`);
    return [readCanvasSource(image, image.naturalWidth, image.naturalHeight, argument)];
  }
  if (isInstance(value, "ImageBitmap")) {
    const bitmap = value as ImageBitmap;
    return [readCanvasSource(bitmap, bitmap.width, bitmap.height, argument)];
  }
  const canvas = value as HTMLCanvasElement | OffscreenCanvas;
  return [readCanvasSource(canvas, canvas.width, canvas.height, argument)];
}
