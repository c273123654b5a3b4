/**
 * Writing a folder of files all or nothing: into a fresh temporary folder beside the
 * target, then moved into place with `rename`. A failure at any point leaves the target
 * exactly as it was; a non-empty target is replaced only when asked (`force`), and then
 * only the new files remain.
 *
 * @module
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/** One file to write: its name inside the folder and its bytes. */
export interface FolderFile {
  /** File name (no folders). */
  readonly name: string;
  /** Contents. */
  readonly data: Uint8Array;
}

/**
 * Checks, before any work, that `target` can receive the folder: absent, an empty folder,
 * or (with `force`) a folder whose contents may be replaced.
 *
 * @throws RangeError when `target` is a file or a symbolic link, or a non-empty folder without `force`.
 */
export function checkOutputFolder(target: string, force: boolean): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (stat.isSymbolicLink()) {
    throw new RangeError(`<out-dir> must be a folder; ${target} is a symbolic link (give the folder it points to)`);
  }
  if (!stat.isDirectory()) throw new RangeError(`<out-dir> must be a folder; ${target} is a file`);
  const entries = readdirSync(target);
  if (entries.length > 0 && !force) {
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", ..." : "");
    throw new RangeError(
      `${target} is not empty (${entries.length} entries: ${shown}); convert writes into a new or empty folder, ` +
        `or replaces the folder's contents with --force (option force: true)`,
    );
  }
}

/**
 * Writes `files` as the folder `target`, all or nothing (see the module comment). The
 * target's parent folders are created if needed.
 *
 * @throws RangeError as {@link checkOutputFolder}; an Error saying that `target` is
 *   unchanged when a write or the move fails.
 */
export function writeFolderAtomically(target: string, files: readonly FolderFile[], force: boolean): void {
  checkOutputFolder(target, force);
  const parent = dirname(resolve(target));
  mkdirSync(parent, { recursive: true });
  const temporary = mkdtempSync(join(parent, `.${basename(target)}.tmp-`));
  try {
    for (const file of files) writeDurably(join(temporary, file.name), file.data);
    syncFolder(temporary);
    moveIntoPlace(temporary, target);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (error instanceof StrandedError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not write the model (${reason}); ${target} is unchanged`, { cause: error });
  }
  syncFolder(parent);
}

/** The rare failure after which the target's previous contents are not back in place. */
class StrandedError extends Error {}

/** Moves the finished `temporary` folder to `target`, putting an existing target aside first and back on failure. */
function moveIntoPlace(temporary: string, target: string): void {
  let existing: "none" | "empty" | "full" = "none";
  try {
    existing = readdirSync(target).length === 0 ? "empty" : "full";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (existing === "none") return renameSync(temporary, target);
  if (existing === "empty") {
    rmdirSync(target);
    return renameSync(temporary, target);
  }
  const aside = mkdtempSync(join(dirname(resolve(target)), `.${basename(target)}.old-`));
  const previous = join(aside, "previous");
  renameSync(target, previous);
  try {
    renameSync(temporary, target);
  } catch (error) {
    try {
      renameSync(previous, target);
    } catch {
      throw new StrandedError(`could not move the new model into ${target} (${String(error)}); its previous contents are in ${previous}`);
    }
    rmSync(aside, { recursive: true, force: true });
    throw error;
  }
  rmSync(aside, { recursive: true, force: true });
}

/** Writes a new file (refusing an existing one) and flushes it to disk. */
export function writeDurably(path: string, data: Uint8Array): void {
  const fd = openSync(path, "wx");
  try {
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries to disk where the platform allows it (not on Windows). */
function syncFolder(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open or flush a folder; the rename is still all or nothing there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
