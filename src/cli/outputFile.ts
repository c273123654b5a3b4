/**
 * Writing one file all or nothing: into a fresh temporary file beside the target, flushed,
 * then renamed into place. A failure at any point leaves the target exactly as it was; an
 * existing target is replaced only when asked (`force`). The single-file counterpart of
 * `outputFolder.ts`.
 *
 * @module
 */
import { lstatSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { writeDurably } from "./outputFolder.js";

/**
 * Checks, before any work, that `target` can receive the file: absent, or (with `force`)
 * a file that may be replaced.
 *
 * @throws RangeError when `target` is a folder or a symbolic link, or an existing file without `force`.
 */
export function checkOutputFile(target: string, force: boolean): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (stat.isSymbolicLink()) throw new RangeError(`<out.onnx> must be a file; ${target} is a symbolic link (give the path it points to)`);
  if (stat.isDirectory()) throw new RangeError(`<out.onnx> must be a file; ${target} is a folder`);
  if (!force) throw new RangeError(`${target} exists; export writes a new file, or replaces it with --force`);
}

/**
 * Writes `data` as the file `target`, all or nothing (see the module comment); its folder
 * is created if needed.
 *
 * @throws RangeError as {@link checkOutputFile}; an Error saying that `target` is unchanged when the write or the rename fails.
 */
export function writeFileAtomically(target: string, data: Uint8Array, force: boolean): void {
  checkOutputFile(target, force);
  const folder = dirname(resolve(target));
  mkdirSync(folder, { recursive: true });
  const temporary = join(folder, `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    writeDurably(temporary, data);
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not write ${target} (${reason}); ${target} is unchanged`, { cause: error });
  }
}
