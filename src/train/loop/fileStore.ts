/**
 * A {@link CheckpointStore} in a file, for Node. The only module of the training loop that
 * loads `node:fs`; {@link train} imports it on demand when `checkpoint` is a path.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { CheckpointStore } from "./types.js";

/** Bytes written per call, so a large checkpoint does not need a second copy in memory. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** A file checkpoint store: a {@link CheckpointStore} with {@link FileCheckpointStore.open}. */
export interface FileCheckpointStore extends CheckpointStore {
  /** The checkpoint file's path. */
  readonly path: string;
  /**
   * Checks that the checkpoint can be written (its folder exists and is writable, the path
   * is not a folder) and removes temporary files that killed runs left beside it. {@link train}
   * calls it before the first step.
   */
  open(): Promise<void>;
}

/**
 * A checkpoint file at `path`. `write` is atomic: it writes a temporary file beside it,
 * `<path>.<16 random hex digits>.tmp`, created exclusively (`O_EXCL`: never through a
 * symlink or over an existing file), flushes it to disk (fsync), renames it over `path` and
 * flushes the folder, so a crash at any moment leaves either the previous checkpoint or the
 * new one, whole. `open` (called by {@link train} before the first step) checks the path and
 * removes the temporary files of killed runs.
 *
 * @example
 * ```ts
 * await train(model, data, { epochs: 160, checkpoint: fileCheckpointStore("runs/resnet20.ckpt"), resume: true });
 * // the same as { checkpoint: "runs/resnet20.ckpt" }
 * ```
 * @throws TypeError if `path` is not a non-empty string.
 */
export function fileCheckpointStore(path: string): FileCheckpointStore {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError(`checkpoint path must be a non-empty string; got ${JSON.stringify(path)}`);
  }
  const folder = dirname(path);
  const name = basename(path);
  return {
    path,
    async open() {
      await checkPath(path, folder);
      await removeStaleTemporaryFiles(folder, name);
    },
    async read() {
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
    },
    async write(bytes: Uint8Array) {
      const temporary = temporaryName(path);
      const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
      try {
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
      } catch (error) {
        await unlink(temporary).catch(() => {});
        throw error;
      }
      await syncDirectory(folder);
    },
  };
}

/** `<path>.<16 random hex digits>.tmp`: in the same folder (so the rename is atomic), not guessable. */
function temporaryName(path: string): string {
  return `${path}.${randomBytes(8).toString("hex")}.tmp`;
}

/** Whether `entry` is a temporary file of checkpoint `name`: this version's `<name>.<hex16>.tmp` or the fixed `<name>.tmp` of before. */
function isTemporaryOf(entry: string, name: string): boolean {
  if (!entry.startsWith(`${name}.`) || !entry.endsWith(".tmp")) return false;
  const middle = entry.slice(name.length + 1, -".tmp".length);
  return middle === "" || /^[0-9a-f]{16}$/.test(middle);
}

async function removeStaleTemporaryFiles(folder: string, name: string): Promise<void> {
  for (const entry of await readdir(folder)) {
    if (entry !== `${name}.tmp` && !isTemporaryOf(entry, name)) continue;
    const file = join(folder, entry);
    const stats = await lstat(file).catch(() => null);
    // A file or a symlink (unlink removes the link, never its target); never a folder.
    if (stats && (stats.isFile() || stats.isSymbolicLink())) await unlink(file).catch(() => {});
  }
}

/** Checks that `path` can hold a checkpoint written atomically through a temporary file in `folder`. */
async function checkPath(path: string, folder: string): Promise<void> {
  const folderStats = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new Error(`checkpoint: the folder ${folder} of ${path} does not exist; create it first`);
    if (error.code === "ENOTDIR") throw new Error(`checkpoint: ${folder}, the folder of ${path}, is under a file, not a folder`);
    throw new Error(`checkpoint: cannot use the folder ${folder} of ${path} (${error.code}: ${error.message})`);
  });
  if (!folderStats.isDirectory()) throw new Error(`checkpoint: ${folder}, the folder of ${path}, is a file, not a folder`);
  const stats = await stat(path).catch(() => null);
  if (stats?.isDirectory()) {
    throw new Error(`checkpoint: ${path} is a folder; give the path of a checkpoint file in it, like ${join(path, "run.ckpt")}`);
  }
  if (stats && !stats.isFile()) throw new Error(`checkpoint: ${path} is not a regular file`);
  // The one sure test of writing into the folder (permissions, read-only mounts, ACLs): create a file there.
  const probe = temporaryName(path);
  try {
    const handle = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    await handle.close();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(`checkpoint: cannot write into the folder ${folder} of ${path} (${code}: ${message})`);
  }
  await unlink(probe);
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
