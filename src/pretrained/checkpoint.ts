/**
 * The two files of a timm checkpoint, `config.json` and `model.safetensors`, from the Hub
 * (through the cache) or, in Node, from a local folder. The config is fetched and checked
 * first, so a refused architecture never downloads its weights.
 *
 * @module
 */
import { describeValue } from "../util/check.js";
import { HubError } from "./hub/errors.js";
import { hubFile, selectCache } from "./hub/hubFile.js";
import { isLocalPath, readLocalCheckpoint } from "./hub/local.js";
import type { ResolvedHubOptions } from "./hub/options.js";
import { checkRepoId } from "./hub/repoId.js";
import { readTimmConfig, type TimmConfig } from "./timmConfig.js";

/** A checkpoint's config, checked, and its weights file. */
export interface Checkpoint {
  /** The timm config. */
  config: TimmConfig;
  /** The bytes of `model.safetensors`. */
  weights: Uint8Array;
  /** Where it came from: the file URL of the weights, or the local folder. */
  source: string;
}

function parseConfig(bytes: Uint8Array, source: string): TimmConfig {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new HubError(`${source}: config.json is not valid JSON (${(error as Error).message})`, { file: "config.json" });
  }
  return readTimmConfig(json, source);
}

/**
 * Fetches (or reads) and checks a checkpoint.
 *
 * @throws TypeError for an id that is neither a repository nor a local path; HubError for
 *   a failed download, a missing cached file offline, or a config that is not a supported
 *   timm ResNet.
 */
export async function fetchCheckpoint(id: unknown, options: ResolvedHubOptions): Promise<Checkpoint> {
  if (typeof id === "string" && isLocalPath(id)) {
    const local = await readLocalCheckpoint(id);
    return { config: parseConfig(local.config, id), weights: local.weights, source: local.location };
  }
  if (typeof id !== "string") throw new TypeError(`id must be a string such as "timm/resnet50.a1_in1k"; got ${describeValue(id)}`);
  const repo = checkRepoId(id);
  const cache = await selectCache(options);
  const config = parseConfig(await hubFile(repo, "config.json", options, cache), repo);
  const weights = await hubFile(repo, "model.safetensors", options, cache);
  return { config, weights, source: `${options.host}/${repo}@${options.revision}` };
}
