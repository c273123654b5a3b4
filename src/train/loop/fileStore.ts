/**
 * A {@link CheckpointStore} in a file, for Node. The only module of the training loop that
 * loads `node:fs`; {@link train} imports it on demand when `checkpoint` is a path.
 *
 * @module
 */
import { open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { CheckpointStore } from "./checkpoint.js";

/** Bytes written per call, so a large checkpoint does not need a second copy in memory. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * A checkpoint file at `path`. `write` is atomic: it writes `<path>.tmp`, flushes it to disk
 * (fsync), renames it over `path` and flushes the directory, so a crash at any moment
 * leaves either the previous checkpoint or the new one, whole.
 *
 * @example
 * ```ts
 * await train(model, data, { epochs: 160, checkpoint: fileCheckpointStore("runs/resnet20.ckpt"), resume: true });
 * // the same as { checkpoint: "runs/resnet20.ckpt" }
 * ```
 */
export function fileCheckpointStore(path: string): CheckpointStore {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`checkpoint path must be a non-empty string; got ${JSON.stringify(path)}`);
  }
  return {
    async read() {
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async write(bytes: Uint8Array) {
      const temporary = `${path}.tmp`;
      const handle = await open(temporary, "w");
      try {
        for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
          const chunk = bytes.subarray(offset, Math.min(offset + CHUNK_BYTES, bytes.length));
          let written = 0;
          while (written < chunk.length) written += (await handle.write(chunk, written)).bytesWritten;
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
      await syncDirectory(dirname(path));
    },
  };
}

/** Flushes a directory entry (the rename) to disk; some systems cannot open a directory, which is fine. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, "r");
    await handle.sync();
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}
