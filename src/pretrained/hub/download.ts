/**
 * One file from a Hub URL: redirects followed (the Hub answers 302 to its CDN; in Node the
 * first answer's `X-Linked-Etag` / `X-Linked-Size` are kept), a time limit on a connection
 * that sends nothing, an `AbortSignal`, progress events, and the body checked against the
 * headers before anyone sees it.
 *
 * @module
 */
import { isNode } from "./cache.js";
import { HubError, type HubErrorDetails } from "./errors.js";
import { type ExpectedFile, parseEtag, parseSize, verifyDownload } from "./integrity.js";

/** Bytes received so far of one file. */
export interface DownloadProgress {
  /** The repository id or local path. */
  id: string;
  /** The file: `config.json`, `model.safetensors`. */
  file: string;
  /** Bytes received (or read from the cache). */
  loaded: number;
  /** Size of the file when known. */
  total: number | undefined;
  /** `"download"` while bytes arrive, `"cached"` when the file came from the cache, `"done"` once checked. */
  status: "download" | "cached" | "done";
}

/** How one download runs. */
export interface DownloadOptions {
  /** The `fetch` to use. Default `globalThis.fetch`. */
  fetch: typeof fetch;
  /** Fails the download when no byte arrives for this long (and before the headers). */
  stallTimeoutMs: number;
  /** Stops the download. */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: DownloadProgress) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** A timer that aborts `controller` when it is not reset for `ms`. */
function stallTimer(controller: AbortController, ms: number, what: () => HubError) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => controller.abort(what()), ms);
  };
  return { reset, stop: () => timer !== undefined && clearTimeout(timer) };
}

function statusMessage(status: number, statusText: string): string {
  if (status === 401 || status === 403) return `${status} ${statusText}: the repository is private or gated (pass a fetch that sends a token)`;
  if (status === 404) return `404 ${statusText}: no such repository, revision or file`;
  return `${status} ${statusText}`.trim();
}

/**
 * Downloads `url` and checks it (size, hash, not HTML).
 *
 * @throws HubError for a failed request, an HTTP error status, a stall, a truncated or
 *   corrupt body; the signal's reason when aborted.
 */
export async function downloadFile(url: string, details: HubErrorDetails & { id: string; file: string }, options: DownloadOptions): Promise<Uint8Array> {
  const { signal } = options;
  signal?.throwIfAborted();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const where = () => `${details.id}: ${details.file} from ${current}`;
  let current = url;
  const timer = stallTimer(
    controller,
    options.stallTimeoutMs,
    () => new HubError(`${where()}: no data for ${options.stallTimeoutMs} ms (stallTimeoutMs): the connection stalled; nothing was cached`, { ...details, url: current }),
  );
  try {
    timer.reset();
    const expected: ExpectedFile = {};
    let response: Response;
    // Node: follow redirects here to keep the Hub's X-Linked-* headers; browsers hide a
    // redirect's headers (an opaque answer), so there fetch follows them itself.
    let manual = isNode();
    for (let hop = 0; ; hop++) {
      const fetchImpl = options.fetch; // called plainly: browsers refuse a fetch called with another `this` ("Illegal invocation")
      response = await fetchImpl(current, { redirect: manual ? "manual" : "follow", signal: controller.signal });
      timer.reset();
      expected.etag ??= parseEtag(response.headers.get("x-linked-etag"));
      expected.size ??= parseSize(response.headers.get("x-linked-size"));
      if (response.type === "opaqueredirect") {
        manual = false; // browsers hide a redirect's headers: let fetch follow it
        continue;
      }
      if (!REDIRECTS.has(response.status)) break;
      const location = response.headers.get("location");
      await response.body?.cancel();
      if (!location || hop >= MAX_REDIRECTS) {
        throw new HubError(`${where()}: ${location ? `more than ${MAX_REDIRECTS} redirects` : `a ${response.status} without Location`}`, { ...details, url: current, status: response.status });
      }
      current = new URL(location, current).href;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new HubError(`${where()}: ${statusMessage(response.status, response.statusText)}; nothing was cached`, { ...details, url: current, status: response.status });
    }
    if (!response.headers.get("content-encoding")) {
      // A compressed answer's ETag and length describe the encoded bytes, not the file.
      expected.etag ??= parseEtag(response.headers.get("etag"));
      expected.size ??= parseSize(response.headers.get("content-length"));
    }
    expected.contentType = response.headers.get("content-type") ?? undefined;
    let received = 0;
    const bytes = await readBody(response, expected.size, timer.reset, (loaded) => {
      received = loaded;
      options.onProgress?.({ id: details.id, file: details.file, loaded, total: expected.size, status: "download" });
    }).catch((error: unknown) => {
      if (controller.signal.aborted) throw controller.signal.reason;
      const of = expected.size === undefined ? "" : ` of ${expected.size}`;
      throw new HubError(
        `${where()}: the connection broke after ${received}${of} bytes (${error instanceof Error ? error.message : String(error)}): the download is truncated; nothing was cached`,
        { ...details, url: current },
        { cause: error },
      );
    });
    timer.stop();
    await verifyDownload(bytes, expected, { ...details, url: current });
    return bytes;
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    if (error instanceof HubError) throw error;
    throw new HubError(`${where()}: ${error instanceof Error ? error.message : String(error)}; nothing was cached`, { ...details, url: current }, { cause: error });
  } finally {
    timer.stop();
    signal?.removeEventListener("abort", onAbort);
  }
}

async function readBody(response: Response, size: number | undefined, alive: () => void, progress: (loaded: number) => void): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  progress(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    alive();
    chunks.push(value);
    loaded += value.length;
    progress(loaded);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size === loaded ? size : loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}
