/**
 * Node only: decodes PNG and JPEG files in plain JavaScript (`pngjs`, `jpeg-js`) to RGBA bytes.
 *
 * @module
 */
import { inflateSync } from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { DatasetError } from "./types.js";

/** A decoded image: `rgba` holds height x width pixels of four bytes, row-major. */
export interface RgbaImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Red, green, blue and alpha bytes per pixel. */
  rgba: Uint8Array;
}

/** Extensions the image-folder loader reads (case-insensitive). */
export const IMAGE_EXTENSIONS: readonly string[] = [".png", ".jpg", ".jpeg"];

/**
 * Default largest image, in megapixels (width x height / 1e6), that {@link decodeImage}
 * decodes: 100, as `jpeg-js`'s `maxResolutionInMP`. A 100 MP image takes 400 MB as RGBA.
 */
export const DEFAULT_MAX_RESOLUTION_MP = 100;

/**
 * Decodes a PNG (any bit depth and colour type; 16-bit is scaled to 8) or a baseline or
 * progressive JPEG (grey, RGB or CMYK) to RGBA bytes. The format is read from the file's
 * first bytes, not its name. The declared size is checked before anything is decoded: at
 * least 1x1 and at most `maxResolutionInMP` megapixels; a PNG whose image data does not
 * cover its declared size (a truncated or lying file) is refused rather than padded.
 *
 * @param path The file the bytes came from, for error messages.
 * @param maxResolutionInMP Largest width x height accepted, in millions of pixels.
 * @throws DatasetError naming `path` if the bytes are neither PNG nor JPEG, declare a size
 *   out of bounds, or fail to decode.
 */
export function decodeImage(bytes: Uint8Array, path: string, maxResolutionInMP = DEFAULT_MAX_RESOLUTION_MP): RgbaImage {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng) checkPngSize(bytes, path, maxResolutionInMP);
  if (isJpeg) checkJpegSize(bytes, path, maxResolutionInMP);
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024, maxResolutionInMP });
      return { width: image.width, height: image.height, rgba: image.data };
    }
  } catch (error) {
    throw new DatasetError(path, `${path}: cannot decode the ${isPng ? "PNG" : "JPEG"} image (${(error as Error).message ?? String(error)})`);
  }
  throw new DatasetError(path, `${path}: not a PNG or JPEG image (its first bytes are neither PNG's nor JPEG's signature)`);
}

/** Channels per pixel of each PNG colour type. */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Reads a PNG's header and checks, before decoding, that its declared size is within bounds
 * and that its image data inflates to exactly what that size needs.
 */
function checkPngSize(bytes: Uint8Array, path: string, maxResolutionInMP: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 33 || type(12) !== "IHDR") {
    throw new DatasetError(path, `${path}: cannot decode the PNG image (no IHDR header after the signature)`);
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const [depth, colorType, interlace] = [bytes[24]!, bytes[25]!, bytes[28]!];
  if (width === 0 || height === 0) {
    throw new DatasetError(path, `${path}: cannot decode the PNG image (it is empty: it declares ${width}x${height} pixels; at least 1x1 is needed)`);
  }
  checkResolution("PNG", width, height, path, maxResolutionInMP);
  const channels = PNG_CHANNELS[colorType];
  if (channels === undefined) return; // pngjs names the bad colour type
  const bitsPerPixel = channels * depth;
  const passBytes = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  const needed =
    interlace === 1
      ? ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + passBytes(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0)
      : passBytes(width, height);
  const data: Uint8Array[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    if (type(at + 4) === "IDAT") data.push(bytes.subarray(at + 8, Math.min(at + 8 + length, bytes.length)));
    if (type(at + 4) === "IEND") break;
    at += 12 + length;
  }
  let inflated = 0;
  try {
    inflated = inflateSync(Buffer.concat(data), { maxOutputLength: needed + 1, finishFlush: 2 /* Z_SYNC_FLUSH: keep what a truncated stream gives */ }).length;
  } catch {
    inflated = -1; // more than needed, or not a zlib stream at all
  }
  if (inflated !== needed) {
    const got = inflated < 0 ? "data that does not inflate to it" : `${inflated} bytes of image data`;
    throw new DatasetError(
      path,
      `${path}: cannot decode the PNG image (its data does not cover its declared size: ${width}x${height} pixels need ${needed} bytes of image data; it has ${got})`,
    );
  }
}

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Throws if width x height is more than `maxResolutionInMP` megapixels. */
function checkResolution(format: string, width: number, height: number, path: string, maxResolutionInMP: number): void {
  const megapixels = (width * height) / 1e6;
  if (megapixels > maxResolutionInMP) {
    throw new DatasetError(
      path,
      `${path}: the ${format} image declares ${width}x${height} pixels (${Number(megapixels.toPrecision(3))} MP), more than ` +
        `maxResolutionInMP (${maxResolutionInMP} MP); raise maxResolutionInMP to read it`,
    );
  }
}

/** Reads a JPEG's frame header (SOFn) and checks its declared size before decoding. */
function checkJpegSize(bytes: Uint8Array, path: string, maxResolutionInMP: number): void {
  for (let at = 2; at + 9 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return; // not a marker: let jpeg-js report the damage
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      checkResolution("JPEG", width, height, path, maxResolutionInMP);
      return;
    }
    at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
  }
}
