/**
 * The file loaders, as thin wrappers that import their Node-only implementation on the first
 * call: importing this module (and the data barrel) loads neither `node:fs` nor the image
 * decoders, so it is safe in a browser bundle.
 *
 * @module
 */
import type { LoadCifar10Options } from "./cifar10Folder.js";
import type { LoadImageFolderOptions } from "./imageFolder.js";
import type { LabeledImages } from "./types.js";

export type { LoadCifar10Options, LoadImageFolderOptions };

/**
 * Reads a split of CIFAR-10 from the folder of its binary release
 * (`cifar-10-batches-bin`, from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz;
 * the folder that holds it also works): `x` [n, 32, 32, 3] float32 in [0, 1], `y` [n]
 * int32, and the class names from `batches.meta.txt` (the standard ten if it is absent).
 * The whole training split takes 600 MB as float32; `limit` reads less. Node only (it reads
 * files); the module that does is loaded on the first call.
 *
 * @example
 * ```ts
 * import { loadCifar10 } from "resnet-blocks/train";
 * const train = await loadCifar10("data/cifar-10-batches-bin");
 * const test = await loadCifar10("data/cifar-10-batches-bin", { split: "test" });
 * ```
 * @throws DatasetError naming the path: a missing folder or file, a truncated record, a bad label.
 */
export async function loadCifar10(folder: string, options: LoadCifar10Options = {}): Promise<LabeledImages> {
  const implementation = await import("./cifar10Folder.js");
  return implementation.loadCifar10(folder, options);
}

/**
 * Reads `folder/<class>/<image>` files: the sub-folders, sorted by name, are the classes
 * (label 0 is the first); PNG and JPEG files in each (`.png`, `.jpg`, `.jpeg`, sorted by
 * name; other files are skipped) are decoded in plain JavaScript, the alpha channel
 * dropped, grey or RGB as asked, and resized on the current tfjs backend with
 * `tf.image.resizeBilinear` (half-pixel centres). Returns `x` [n, height, width, channels]
 * float32 in [0, 1], `y` [n] int32 and the class names. Node only (it reads files); the
 * module that does is loaded on the first call.
 *
 * @example
 * ```ts
 * import { loadImageFolder } from "resnet-blocks/train";
 * const { x, y, classNames } = await loadImageFolder("data/flowers", { size: [64, 64] });
 * ```
 * @throws DatasetError naming the path: a missing folder, no class sub-folders, a class
 *   folder without images, a file that does not decode. RangeError or TypeError for bad options.
 */
export async function loadImageFolder(folder: string, options: LoadImageFolderOptions): Promise<LabeledImages> {
  const implementation = await import("./imageFolder.js");
  return implementation.loadImageFolder(folder, options);
}
