/**
 * The Hugging Face Hub client of `pretrained()`: files by repository, revision and name,
 * cached (a folder in Node, the Cache API in browsers), checked against the Hub's hashes
 * and sizes, with progress, abort and a stall time limit.
 *
 * @module
 */
export { hubFile, selectCache } from "./hubFile.js";
export { resolveHubOptions, DEFAULT_STALL_TIMEOUT_MS, HUB_OPTION_KEYS, type HubOptions, type ResolvedHubOptions } from "./options.js";
export { type HubCache, type CacheKey, createCacheApiCache, CACHE_API_NAME } from "./cache.js";
export { createFileCache, defaultCacheDir, CACHE_ENV } from "./fileCache.js";
export type { DownloadProgress } from "./download.js";
export { HubError, type HubErrorDetails } from "./errors.js";
export { DEFAULT_HOST, checkRepoId } from "./repoId.js";
export { isLocalPath, readLocalCheckpoint } from "./local.js";
