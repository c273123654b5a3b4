/**
 * Node only: reads the binary CIFAR-10 batches from a local folder. Imported on demand by
 * `loadCifar10` in `./loaders.ts`, so that a browser bundle does not pull in `node:fs`.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { checkInteger, checkKnownKeys, checkOptionsObject, describeValue } from "../../util/check.js";
import { CIFAR10_CLASSES, CIFAR10_RECORD_BYTES, checkRecordLength, decodeCifar10, parseCifar10Meta } from "./cifar10.js";
import { DatasetError, type LabeledImages } from "./types.js";

/** The files of each split of the binary CIFAR-10 release. */
export const CIFAR10_FILES = {
  train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  test: ["test_batch.bin"],
} as const;

/** Options of {@link loadCifar10}. */
export interface LoadCifar10Options {
  /** `'train'` (the five data batches, 50,000 images) or `'test'` (10,000). Default `'train'`. */
  split?: "train" | "test";
  /** Read only the first `limit` images of the split. Default: all. */
  limit?: number;
}

/** Node implementation of `loadCifar10` (see `./loaders.ts` for the documentation). */
export async function loadCifar10(folder: string, options: LoadCifar10Options = {}): Promise<LabeledImages> {
  if (typeof folder !== "string" || folder.length === 0) {
    throw new TypeError(`folder must be a path to the CIFAR-10 binary folder; got ${describeValue(folder)}`);
  }
  checkOptionsObject("options", options);
  checkKnownKeys(options, ["split", "limit"], "loadCifar10");
  const split = options.split ?? "train";
  if (split !== "train" && split !== "test") {
    throw new RangeError(`split must be one of "train", "test"; got ${describeValue(split)}`);
  }
  const limit = options.limit === undefined ? undefined : checkInteger("limit", options.limit, 1);
  const root = resolveRoot(folder);
  const files = CIFAR10_FILES[split].map((name) => join(root, name));
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new DatasetError(
      missing[0]!,
      `CIFAR-10 file not found: ${missing.join(", ")} (the ${split} split needs ${CIFAR10_FILES[split].join(", ")})`,
    );
  }
  for (const file of files) checkIsFile(file, `the ${split} split needs ${CIFAR10_FILES[split].join(", ")}`);
  const batches: Uint8Array[] = [];
  let records = 0;
  for (const file of files) {
    if (limit !== undefined && records >= limit) break;
    const bytes = new Uint8Array(await readFile(file));
    checkRecordLength(bytes.length, file);
    batches.push(bytes);
    records += bytes.length / CIFAR10_RECORD_BYTES;
  }
  const metaFile = join(root, "batches.meta.txt");
  if (existsSync(metaFile)) checkIsFile(metaFile, "the class names, one per line");
  const classNames = existsSync(metaFile) ? parseCifar10Meta(await readFile(metaFile, "utf8")) : [...CIFAR10_CLASSES];
  return decodeCifar10(batches, {
    source: files.slice(0, batches.length),
    classNames,
    ...(limit !== undefined ? { limit } : {}),
  });
}

/** The folder itself, or its `cifar-10-batches-bin` sub-folder (the archive's root) if that is where the batches are. */
function resolveRoot(folder: string): string {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    const what = existsSync(folder) ? `${folder} is a file` : folder;
    throw new DatasetError(folder, `CIFAR-10 folder not found: ${what} (expected the binary release's data_batch_1.bin ... test_batch.bin)`);
  }
  const nested = join(folder, "cifar-10-batches-bin");
  if (!existsSync(join(folder, "data_batch_1.bin")) && !existsSync(join(folder, "test_batch.bin")) && existsSync(nested)) {
    return nested;
  }
  return folder;
}

/** Throws a DatasetError naming `file` unless it is a file (a folder there would give a raw EISDIR on reading). */
function checkIsFile(file: string, needed: string): void {
  const stats = statSync(file);
  if (stats.isDirectory()) throw new DatasetError(file, `CIFAR-10 file ${file} is a folder, not a file (${needed})`);
  if (!stats.isFile()) throw new DatasetError(file, `CIFAR-10 file ${file} is not a regular file (${needed})`);
}
