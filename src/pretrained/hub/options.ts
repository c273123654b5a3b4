/**
 * The options of a Hub download, checked, with their defaults.
 *
 * @module
 */
import { checkBoolean, checkOptionsObject, checkPositiveNumber, describeValue } from "../../util/check.js";
import type { HubCache } from "./cache.js";
import type { DownloadProgress } from "./download.js";
import { checkHost, checkRevision, DEFAULT_HOST } from "./repoId.js";

/** Default of {@link HubOptions.stallTimeoutMs}: 30 s without a byte fails the download. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;

/** Where and how Hub files are fetched and cached. */
export interface HubOptions {
  /** The Hub or a mirror. Default `https://huggingface.co`. */
  host?: string;
  /** Branch, tag or commit. Default `"main"`. */
  revision?: string;
  /**
   * Node: the cache folder. Default `$RESNET_BLOCKS_CACHE`, else
   * `$XDG_CACHE_HOME/resnet-blocks/hub`, else `~/.cache/resnet-blocks/hub`.
   */
  cacheDir?: string;
  /**
   * `true` (default): the file cache in Node, the Cache API in browsers; `false`: neither
   * read nor write a cache; or a {@link HubCache} of your own.
   */
  cache?: boolean | HubCache;
  /** Load from the cache only; a missing file fails naming the id, the file and the cache. Default `false`. */
  offline?: boolean;
  /** Stops the downloads; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Progress of each file: bytes done and total. */
  onProgress?: (progress: DownloadProgress) => void;
  /** A download fails when no byte arrives for this many milliseconds. Default 30000. */
  stallTimeoutMs?: number;
  /** The `fetch` to use (e.g. one that adds an `Authorization` header). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** {@link HubOptions} checked, with defaults. */
export interface ResolvedHubOptions {
  host: string;
  revision: string;
  cacheDir: string | undefined;
  cache: boolean | HubCache;
  offline: boolean;
  signal: AbortSignal | undefined;
  onProgress: ((progress: DownloadProgress) => void) | undefined;
  stallTimeoutMs: number;
  fetch: typeof fetch;
}

/** The option names of {@link HubOptions}. */
export const HUB_OPTION_KEYS = ["host", "revision", "cacheDir", "cache", "offline", "signal", "onProgress", "stallTimeoutMs", "fetch"] as const;

/** @throws TypeError or RangeError naming the bad option, its value and what is accepted. */
export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  checkOptionsObject("options", options);
  const { cacheDir, cache = true, signal, onProgress } = options;
  if (cacheDir !== undefined && (typeof cacheDir !== "string" || cacheDir.length === 0)) {
    throw new TypeError(`cacheDir must be a non-empty folder path; got ${describeValue(cacheDir)}`);
  }
  if (typeof cache !== "boolean" && !(typeof cache === "object" && cache !== null && typeof cache.get === "function" && typeof cache.put === "function")) {
    throw new TypeError(`cache must be true, false or a HubCache ({ location, get, put, describe }); got ${describeValue(cache)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`signal must be an AbortSignal; got ${describeValue(signal)}`);
  if (onProgress !== undefined && typeof onProgress !== "function") throw new TypeError(`onProgress must be a function; got ${describeValue(onProgress)}`);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== "function") throw new TypeError(`fetch must be a function (this runtime has no global fetch); got ${describeValue(options.fetch)}`);
  return {
    host: checkHost(options.host ?? DEFAULT_HOST),
    revision: checkRevision(options.revision ?? "main"),
    cacheDir,
    cache,
    offline: checkBoolean("offline", options.offline ?? false),
    signal,
    onProgress,
    stallTimeoutMs: checkPositiveNumber("stallTimeoutMs", options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS),
    fetch: fetchImpl,
  };
}
