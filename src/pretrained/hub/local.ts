/**
 * Checkpoints on disk (Node): a folder with `config.json` and `model.safetensors`, or the
 * path of a `.safetensors` file with `config.json` beside it.
 *
 * @module
 */
import { isNode } from "./cache.js";
import { HubError } from "./errors.js";

/** Whether `id` names a local path rather than a Hub repository: `/...`, `./...`, `../...`, `file:...`, `C:\...`. */
export function isLocalPath(id: string): boolean {
  return /^(\/|\.\.?(\/|\\|$)|file:|[A-Za-z]:[\\/]|\\\\)/.test(id);
}

/**
 * Reads `config.json` and the weights of a local checkpoint.
 *
 * @throws HubError naming the path when it is not Node, or a file is missing.
 */
export async function readLocalCheckpoint(id: string): Promise<{ config: Uint8Array; weights: Uint8Array; location: string }> {
  if (!isNode()) throw new HubError(`${id}: local paths load only in Node; in a browser, give a Hub repository id and a host`, { id });
  const [fs, path, url] = await Promise.all([import("node:fs/promises"), import("node:path"), import("node:url")]);
  const target = id.startsWith("file:") ? url.fileURLToPath(id) : path.resolve(id);
  let stat;
  try {
    stat = await fs.stat(target);
  } catch {
    throw new HubError(`${id}: no such file or folder (${target})`, { id });
  }
  const folder = stat.isDirectory() ? target : path.dirname(target);
  const weightsPath = stat.isDirectory() ? path.join(target, "model.safetensors") : target;
  const configPath = path.join(folder, "config.json");
  const read = async (file: string) => {
    try {
      return new Uint8Array(await fs.readFile(file));
    } catch {
      throw new HubError(`${id}: ${path.basename(file)} is missing (${file}); a local checkpoint is a folder with config.json and model.safetensors`, { id, file: path.basename(file) });
    }
  };
  const [config, weights] = await Promise.all([read(configPath), read(weightsPath)]);
  return { config, weights, location: folder };
}
