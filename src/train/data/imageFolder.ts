/**
 * Node only: reads a folder with one sub-folder of images per class. Imported on demand by
 * `loadImageFolder` in `./loaders.ts`, so that a browser bundle does not pull in `node:fs`
 * and the image decoders.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { checkInteger, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import { decodeImage, DEFAULT_MAX_RESOLUTION_MP, IMAGE_EXTENSIONS, type RgbaImage } from "./decodeImage.js";
import { DatasetError, type LabeledImages } from "./types.js";

/** Options of {@link loadImageFolder}. */
export interface LoadImageFolderOptions {
  /** Height and width every image is resized to (bilinear, half-pixel centres). */
  size: readonly [height: number, width: number];
  /** 3 for RGB (default), 1 for grey (luma 0.299 R + 0.587 G + 0.114 B, as PIL's `convert("L")`). */
  channels?: 1 | 3;
  /** Read at most this many images of each class (the first, in name order). Default: all. */
  limitPerClass?: number;
  /**
   * Largest image read, in megapixels (width x height / 1e6), checked against the size a file
   * declares before it is decoded (as `jpeg-js`'s option of that name). Default 100 (400 MB as
   * RGBA); a larger image fails with a `DatasetError` naming the file.
   */
  maxResolutionInMP?: number;
}

/** Node implementation of `loadImageFolder` (see `./loaders.ts` for the documentation). */
export async function loadImageFolder(folder: string, options: LoadImageFolderOptions): Promise<LabeledImages> {
  if (typeof folder !== "string" || folder.length === 0) {
    throw new TypeError(`folder must be a path to a folder of class sub-folders; got ${describeValue(folder)}`);
  }
  checkOptionsObject("options", options);
  const size = options.size;
  if (!Array.isArray(size) || size.length !== 2) {
    throw new TypeError(`size must be [height, width], integers >= 1; got ${describeValue(size)}`);
  }
  const [height, width] = [checkInteger("size[0] (height)", size[0], 1), checkInteger("size[1] (width)", size[1], 1)];
  const channels = checkOneOf("channels", options.channels ?? 3, [1, 3] as const);
  const limit = options.limitPerClass === undefined ? Infinity : checkInteger("limitPerClass", options.limitPerClass, 1);
  const maxResolutionInMP = options.maxResolutionInMP ?? DEFAULT_MAX_RESOLUTION_MP;
  if (typeof maxResolutionInMP !== "number" || !(maxResolutionInMP > 0)) {
    throw new RangeError(`maxResolutionInMP must be a number > 0 (megapixels); got ${describeValue(maxResolutionInMP)}`);
  }

  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new DatasetError(folder, `image folder not found: ${folder}`);
  }
  const entries = await readdir(folder, { withFileTypes: true });
  const classNames = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
  if (classNames.length === 0) {
    throw new DatasetError(folder, `${folder} has no class sub-folders (expected ${folder}/<class name>/<image>.png or .jpg)`);
  }
  const files: { path: string; label: number }[] = [];
  for (const [label, className] of classNames.entries()) {
    const classFolder = join(folder, className);
    const images = (await readdir(classFolder, { withFileTypes: true }))
      .filter((entry) => !entry.name.startsWith(".") && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase()))
      .filter((entry) => entry.isFile() || (entry.isSymbolicLink() && isFileBehindLink(join(classFolder, entry.name))))
      .map((entry) => entry.name)
      .sort()
      .slice(0, limit);
    if (images.length === 0) {
      throw new DatasetError(classFolder, `class folder ${classFolder} has no images (${IMAGE_EXTENSIONS.join(", ")})`);
    }
    files.push(...images.map((name) => ({ path: join(classFolder, name), label })));
  }

  const imageSize = height * width * channels;
  const pixels = new Float32Array(files.length * imageSize);
  const labels = new Int32Array(files.length);
  for (const [i, file] of files.entries()) {
    const image = decodeImage(await readImageFile(file.path), file.path, maxResolutionInMP);
    pixels.set(resizedPixels(image, channels, height, width), i * imageSize);
    labels[i] = file.label;
  }
  return {
    x: tf.tensor4d(pixels, [files.length, height, width, channels], "float32"),
    y: tf.tensor1d(labels, "int32"),
    classNames,
  };
}

/** Whether a symbolic link leads to a file (a link to a folder, or a broken link, is skipped like a folder). */
function isFileBehindLink(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A file's bytes; a failure to read names the file. */
async function readImageFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new DatasetError(path, `${path}: cannot read the image file (${(error as Error).message})`);
  }
}

/** The image as floats in [0, 1], `channels` per pixel, resized to height x width. */
function resizedPixels(image: RgbaImage, channels: 1 | 3, height: number, width: number): Float32Array {
  const count = image.width * image.height;
  const values = new Float32Array(count * channels);
  const { rgba } = image;
  for (let p = 0; p < count; p++) {
    const r = rgba[4 * p]!;
    const g = rgba[4 * p + 1]!;
    const b = rgba[4 * p + 2]!;
    if (channels === 1) {
      values[p] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    } else {
      values[3 * p] = r / 255;
      values[3 * p + 1] = g / 255;
      values[3 * p + 2] = b / 255;
    }
  }
  if (image.height === height && image.width === width) return values;
  return tf.tidy(() => {
    const original = tf.tensor3d(values, [image.height, image.width, channels]);
    return tf.image.resizeBilinear(original, [height, width], false, true).dataSync() as Float32Array;
  });
}
