/**
 * The weights, once, on a `SharedArrayBuffer` that every worker reads: no copy per worker.
 *
 * @module
 */
import { open } from "node:fs/promises";

/** `weights` on a `SharedArrayBuffer`: read from the file when a path, copied once when bytes (kept when already shared). */
export async function sharedWeightBytes(weights: Uint8Array | ArrayBuffer | SharedArrayBuffer | string): Promise<Uint8Array> {
  if (typeof weights === "string") return readShared(weights);
  if (weights instanceof SharedArrayBuffer) return new Uint8Array(weights);
  const bytes = weights instanceof Uint8Array ? weights : new Uint8Array(weights);
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}

/** Reads a whole file straight into a `SharedArrayBuffer`. */
async function readShared(path: string): Promise<Uint8Array> {
  let file;
  try {
    file = await open(path, "r");
  } catch (error) {
    throw new Error(`could not read options.weights ${JSON.stringify(path)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw new Error(`options.weights ${JSON.stringify(path)} is a folder, not a safetensors file`);
    const size = stats.size;
    const shared = new Uint8Array(new SharedArrayBuffer(size));
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await file.read(shared, offset, size - offset, offset);
      if (bytesRead === 0) throw new Error(`options.weights ${JSON.stringify(path)} ended after ${offset} of ${size} bytes`);
      offset += bytesRead;
    }
    return shared;
  } finally {
    await file.close();
  }
}
