/**
 * The Hub integrity checks on their own: ETag parsing (sha256, git blob sha1, weak ETags),
 * the hashes against node:crypto, HTML detection and verifyDownload's messages.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { gitBlobSha1, looksLikeHtml, parseEtag, parseSize, sha256, verifyDownload } from "../../src/pretrained/hub/integrity.js";
import { HubError } from "../../src/pretrained/hub/errors.js";

const bytes = new TextEncoder().encode('{"architecture": "resnet50"}\n');
const details = { id: "timm/x", file: "config.json", url: "http://127.0.0.1/timm/x/resolve/main/config.json" };

describe("Hub integrity checks", () => {
  it("parses strong ETags that are hashes, and ignores weak or other ones", () => {
    const sha = "a".repeat(64);
    expect(parseEtag(`"${sha.toUpperCase()}"`)).toBe(sha);
    expect(parseEtag(`"${"b".repeat(40)}"`)).toBe("b".repeat(40));
    expect(parseEtag(`W/"${sha}"`)).toBeUndefined();
    expect(parseEtag('"d41d8cd98f00b204e9800998ecf8427e-12"')).toBeUndefined(); // an S3 multipart tag
    expect(parseEtag(null)).toBeUndefined();
    expect(parseSize(" 1234 ")).toBe(1234);
    expect(parseSize("12a")).toBeUndefined();
  });

  it("computes sha256 and git's blob sha1 as node:crypto and git do", async () => {
    expect(await sha256(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(await gitBlobSha1(bytes)).toBe(createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex"));
    // git hash-object of an empty file
    expect(await gitBlobSha1(new Uint8Array(0))).toBe("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  });

  it("tells HTML pages from files", () => {
    expect(looksLikeHtml(new TextEncoder().encode("\n  <!DOCTYPE html><html>"))).toBe(true);
    expect(looksLikeHtml(new TextEncoder().encode("<HTML><body>"))).toBe(true);
    expect(looksLikeHtml(bytes)).toBe(false);
    expect(looksLikeHtml(new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123]))).toBe(false);
  });

  it("verifyDownload accepts a matching file and names each fault", async () => {
    const sha = createHash("sha256").update(bytes).digest("hex");
    const git = createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
    await expect(verifyDownload(bytes, { size: bytes.length, etag: sha }, details)).resolves.toBeUndefined();
    await expect(verifyDownload(bytes, { etag: git }, details)).resolves.toBeUndefined();
    await expect(verifyDownload(bytes, { size: bytes.length + 1 }, details)).rejects.toThrow(/got 29 bytes but the server announced 30: the download is truncated/);
    await expect(verifyDownload(bytes, { etag: "0".repeat(64) }, details)).rejects.toThrow(/sha256 of the download is [0-9a-f]{64} but the server's ETag says 0{64}/);
    await expect(verifyDownload(bytes, { contentType: "text/html; charset=utf-8" }, details)).rejects.toThrow(HubError);
    const error = (await verifyDownload(bytes, { etag: "1".repeat(40) }, details).catch((e: unknown) => e)) as HubError;
    expect(error.message).toMatch(/^timm\/x: config\.json from http:\/\/127\.0\.0\.1\/timm\/x\/resolve\/main\/config\.json: git blob sha1/);
    expect(error.details).toEqual(details);
  });
});
