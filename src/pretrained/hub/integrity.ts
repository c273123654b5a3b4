/**
 * What the Hub promises about a file (its sha256 or git blob sha1 in `X-Linked-Etag` /
 * `ETag`, its size in `X-Linked-Size` / `Content-Length`) and the checks of a downloaded
 * body against it: size, hash, and that it is not an HTML error page.
 *
 * @module
 */
import { HubError, type HubErrorDetails } from "./errors.js";

/** What the answer's headers say the file is. */
export interface ExpectedFile {
  /** Size in bytes, when the headers give it. */
  size?: number;
  /** The ETag, unquoted and lower case: 64 hex digits (sha256, LFS files) or 40 (git blob sha1). */
  etag?: string;
  /** The answer's `Content-Type`. */
  contentType?: string;
}

/**
 * An ETag without quotes, lower case, when it is a hash we can check; else undefined. A weak
 * ETag (`W/"..."`) names no exact bytes (the body may be re-encoded) and is not checked.
 */
export function parseEtag(value: string | null | undefined): string | undefined {
  if (!value || value.trim().startsWith("W/")) return undefined;
  const bare = value.trim().replace(/^"|"$/g, "").toLowerCase();
  return /^[0-9a-f]{64}$/.test(bare) || /^[0-9a-f]{40}$/.test(bare) ? bare : undefined;
}

/** A non-negative integer from a header, else undefined. */
export function parseSize(value: string | null | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function digest(algorithm: "SHA-256" | "SHA-1", bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new HubError("cannot check the download's hash: this runtime has no crypto.subtle (Web Crypto)");
  return hex(await subtle.digest(algorithm, bytes as Uint8Array<ArrayBuffer>));
}

/** sha256 of `bytes`, 64 hex digits. */
export function sha256(bytes: Uint8Array): Promise<string> {
  return digest("SHA-256", bytes);
}

/** git's blob sha1 of `bytes` (`sha1("blob <size>\0" + bytes)`), the Hub's ETag of a file not in LFS. */
export function gitBlobSha1(bytes: Uint8Array): Promise<string> {
  const head = new TextEncoder().encode(`blob ${bytes.length}\0`);
  const all = new Uint8Array(head.length + bytes.length);
  all.set(head, 0);
  all.set(bytes, head.length);
  return digest("SHA-1", all);
}

/** Whether `bytes` start (after white space) like an HTML document. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const start = new TextDecoder().decode(bytes.subarray(0, 512)).trimStart().slice(0, 15).toLowerCase();
  return start.startsWith("<!doctype html") || start.startsWith("<html") || start.startsWith("<head") || start.startsWith("<body");
}

/**
 * Checks a downloaded body against what the headers promised.
 *
 * @throws HubError for a body shorter or longer than the size promised (truncated), a hash
 *   that differs from the ETag, or an HTML page (a proxy's or portal's error page).
 */
export async function verifyDownload(bytes: Uint8Array, expected: ExpectedFile, details: HubErrorDetails): Promise<void> {
  const what = `${details.id ?? "?"}: ${details.file ?? "file"} from ${details.url ?? "?"}`;
  if ((expected.contentType ?? "").toLowerCase().includes("text/html") || looksLikeHtml(bytes)) {
    throw new HubError(
      `${what}: the server sent an HTML page instead of the file (a login, proxy or error page?); nothing was cached`,
      details,
    );
  }
  if (expected.size !== undefined && bytes.length !== expected.size) {
    throw new HubError(
      `${what}: got ${bytes.length} bytes but the server announced ${expected.size}: the download is truncated or corrupt; nothing was cached`,
      details,
    );
  }
  if (expected.etag) {
    const actual = expected.etag.length === 64 ? await sha256(bytes) : await gitBlobSha1(bytes);
    if (actual !== expected.etag) {
      const kind = expected.etag.length === 64 ? "sha256" : "git blob sha1";
      throw new HubError(
        `${what}: ${kind} of the download is ${actual} but the server's ETag says ${expected.etag}: the file is corrupt; nothing was cached`,
        details,
      );
    }
  }
}
