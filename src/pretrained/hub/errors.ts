/**
 * The error of the Hub download and cache: one class, with what went wrong in words and,
 * where there is one, the file, URL and HTTP status.
 *
 * @module
 */

/** What failed and where, for a {@link HubError}. */
export interface HubErrorDetails {
  /** The repository id (`timm/resnet50.a1_in1k`) or local path. */
  id?: string;
  /** The file in the repository (`config.json`, `model.safetensors`). */
  file?: string;
  /** The URL requested, when there was a request. */
  url?: string;
  /** The HTTP status of the answer, when there was one. */
  status?: number;
  /** The cache folder (Node) or Cache API cache name (browsers). */
  cache?: string;
}

/**
 * A checkpoint that could not be had: a failed, truncated, corrupt or stalled download, a
 * file missing from the cache in offline mode, a config that is not timm's. Nothing is
 * cached when a download fails.
 */
export class HubError extends Error {
  /** `"HubError"`. */
  override name = "HubError";
  /** The repository, file, URL, status and cache concerned, where known. */
  readonly details: HubErrorDetails;

  constructor(message: string, details: HubErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}
