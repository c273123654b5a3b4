/**
 * Node only: decodes PNG and JPEG files in plain JavaScript (`pngjs`, `jpeg-js`) to RGBA bytes.
 *
 * @module
 */
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
 * Decodes a PNG (any bit depth and colour type; 16-bit is scaled to 8) or a baseline or
 * progressive JPEG (grey, RGB or CMYK) to RGBA bytes. The format is read from the file's
 * first bytes, not its name.
 *
 * @param path The file the bytes came from, for error messages.
 * @throws DatasetError naming `path` if the bytes are neither PNG nor JPEG, or fail to decode.
 */
export function decodeImage(bytes: Uint8Array, path: string): RgbaImage {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg) {
      const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: image.width, height: image.height, rgba: image.data };
    }
  } catch (error) {
    throw new DatasetError(path, `${path}: cannot decode the ${isPng ? "PNG" : "JPEG"} image (${(error as Error).message ?? String(error)})`);
  }
  throw new DatasetError(path, `${path}: not a PNG or JPEG image (its first bytes are neither PNG's nor JPEG's signature)`);
}
