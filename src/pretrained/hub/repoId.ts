/**
 * Repository ids, revisions and file names of the Hub, checked, and the URL of a file:
 * `<host>/<repo>/resolve/<revision>/<file>`.
 *
 * @module
 */
import { describeValue } from "../../util/check.js";

/** The public Hugging Face Hub. */
export const DEFAULT_HOST = "https://huggingface.co";

const REPO = /^(?:[A-Za-z0-9][\w.-]*\/)?[A-Za-z0-9][\w.-]*$/;
const REVISION = /^[\w.-]+(?:\/[\w.-]+)*$/;

/**
 * Checks a Hub repository id (`owner/name` or `name`).
 *
 * @throws TypeError naming the value and the accepted form.
 */
export function checkRepoId(id: unknown): string {
  if (typeof id !== "string" || !REPO.test(id) || id.includes("..")) {
    throw new TypeError(
      `id must be a Hugging Face Hub repository such as "timm/resnet50.a1_in1k" (letters, digits, "-", "_", "." and one "/")` +
        ` or, in Node, a local path starting with "/", "./", "../" or "file:"; got ${describeValue(id)}`,
    );
  }
  return id;
}

/** @throws TypeError unless `revision` is a branch, tag or commit name. */
export function checkRevision(revision: unknown): string {
  if (typeof revision !== "string" || !REVISION.test(revision) || revision.split("/").includes("..")) {
    throw new TypeError(`revision must be a branch, tag or commit such as "main"; got ${describeValue(revision)}`);
  }
  return revision;
}

/** @throws TypeError unless `host` is an http(s) URL. Returns it without a trailing slash. */
export function checkHost(host: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof host === "string" ? new URL(host) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new TypeError(`host must be an http(s) URL such as "${DEFAULT_HOST}"; got ${describeValue(host)}`);
  }
  return (host as string).replace(/\/+$/, "");
}

/** `<host>/<repo>/resolve/<revision>/<file>`, the revision URL-encoded. */
export function fileUrl(host: string, repo: string, revision: string, file: string): string {
  return `${host}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}
