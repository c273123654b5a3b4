/**
 * One file of a Hub repository, from the cache when it is there, else downloaded, checked
 * and cached. Concurrent requests for the same file share one download; the download stops
 * only when every caller waiting for it has aborted.
 *
 * @module
 */
import { type CacheKey, createCacheApiCache, type HubCache, isNode } from "./cache.js";
import { type DownloadProgress, downloadFile } from "./download.js";
import { HubError } from "./errors.js";
import { createFileCache, defaultCacheDir } from "./fileCache.js";
import type { ResolvedHubOptions } from "./options.js";
import { fileUrl } from "./repoId.js";

/** The cache that `options` select, or undefined for none. */
export async function selectCache(options: ResolvedHubOptions): Promise<HubCache | undefined> {
  if (options.cache === false) return undefined;
  if (options.cache !== true) return options.cache;
  if (isNode()) return createFileCache(options.cacheDir ?? (await defaultCacheDir()));
  if (typeof globalThis.caches === "object") return createCacheApiCache();
  return undefined;
}

interface Shared {
  promise: Promise<Uint8Array>;
  controller: AbortController;
  waiters: number;
  listeners: Set<(progress: DownloadProgress) => void>;
}

const inFlight = new Map<string, Shared>();

/** Waits for `shared` on behalf of one caller, who may abort alone. */
function wait(shared: Shared, signal: AbortSignal | undefined, onProgress?: (progress: DownloadProgress) => void): Promise<Uint8Array> {
  shared.waiters++;
  if (onProgress) shared.listeners.add(onProgress);
  return new Promise<Uint8Array>((resolve, reject) => {
    const leave = () => {
      signal?.removeEventListener("abort", onAbort);
      if (onProgress) shared.listeners.delete(onProgress);
      if (--shared.waiters === 0 && signal?.aborted) shared.controller.abort(signal.reason);
    };
    const onAbort = () => {
      leave();
      reject(signal!.reason);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    shared.promise.then(
      (bytes) => (leave(), resolve(bytes)),
      (error: unknown) => (leave(), reject(error)),
    );
  });
}

/**
 * The bytes of `file` in `repo`.
 *
 * @throws HubError when offline and the file is not cached (naming the id, file and
 *   cache), or when the download fails (nothing is cached then).
 */
export async function hubFile(repo: string, file: string, options: ResolvedHubOptions, cache: HubCache | undefined): Promise<Uint8Array> {
  options.signal?.throwIfAborted();
  const url = fileUrl(options.host, repo, options.revision, file);
  const key: CacheKey = { host: options.host, repo, revision: options.revision, file, url };
  const cached = await cache?.get(key);
  if (cached) {
    options.onProgress?.({ id: repo, file, loaded: cached.length, total: cached.length, status: "cached" });
    return cached;
  }
  if (options.offline) {
    const where = cache ? `the cache (${cache.describe(key)}; cache folder ${cache.location})` : "any cache (caching is off)";
    throw new HubError(
      `${repo}: ${file} (revision ${options.revision}) is not in ${where}, and offline is true: load it once online, or copy it there`,
      { id: repo, file, url, cache: cache?.location },
    );
  }
  const sharedKey = `${cache?.location ?? "-"}\n${url}`;
  let shared = inFlight.get(sharedKey);
  if (!shared) {
    const controller = new AbortController();
    const listeners = new Set<(progress: DownloadProgress) => void>();
    const promise = (async () => {
      const bytes = await downloadFile(url, { id: repo, file, url, cache: cache?.location }, {
        fetch: options.fetch,
        stallTimeoutMs: options.stallTimeoutMs,
        signal: controller.signal,
        onProgress: (progress) => listeners.forEach((listener) => listener(progress)),
      });
      await cache?.put(key, bytes);
      listeners.forEach((listener) => listener({ id: repo, file, loaded: bytes.length, total: bytes.length, status: "done" }));
      return bytes;
    })().finally(() => inFlight.delete(sharedKey));
    promise.catch(() => {}); // each waiter gets the rejection
    shared = { promise, controller, waiters: 0, listeners };
    inFlight.set(sharedKey, shared);
  }
  return wait(shared, options.signal, options.onProgress);
}
