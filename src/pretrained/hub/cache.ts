/**
 * Where downloaded Hub files are kept: a folder in Node ({@link createFileCache}), the Cache
 * API in browsers ({@link createCacheApiCache}). Entries are written only after the download
 * has been checked, and atomically, so a failed or killed download never leaves an entry.
 *
 * @module
 */

/** A store of Hub files, keyed by host, repository, revision and file. */
export interface HubCache {
  /** Where the entries are, for messages: a folder (Node) or a Cache API cache name. */
  readonly location: string;
  /** The cached bytes of a file, or undefined when it is not cached. */
  get(key: CacheKey): Promise<Uint8Array | undefined>;
  /** Stores a checked file; atomic (a reader sees the old state or the whole new file). */
  put(key: CacheKey, bytes: Uint8Array): Promise<void>;
  /** Where one entry is or would be (a file path or a URL), for messages. */
  describe(key: CacheKey): string;
}

/** What identifies a cached file. */
export interface CacheKey {
  /** `https://huggingface.co` or a mirror. */
  host: string;
  /** `timm/resnet50.a1_in1k`. */
  repo: string;
  /** `main`, a tag or a commit. */
  revision: string;
  /** `config.json`, `model.safetensors`. */
  file: string;
  /** The file's URL. */
  url: string;
}

/** Whether this is Node (or a runtime with Node's `process.versions.node`). */
export function isNode(): boolean {
  return typeof process === "object" && typeof process.versions?.node === "string";
}

/** The Cache API cache's name in browsers. */
export const CACHE_API_NAME = "resnet-blocks-hub";

/** A cache on the browser's Cache API (`caches.open("resnet-blocks-hub")`), keyed by file URL. */
export function createCacheApiCache(name: string = CACHE_API_NAME): HubCache {
  const open = () => globalThis.caches.open(name);
  return {
    location: `Cache API cache "${name}"`,
    describe: (key) => `${key.url} in Cache API cache "${name}"`,
    async get(key) {
      const response = await (await open()).match(key.url);
      return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
    },
    async put(key, bytes) {
      const headers = { "content-type": "application/octet-stream", "content-length": String(bytes.length) };
      await (await open()).put(key.url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers }));
    },
  };
}
