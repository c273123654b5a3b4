/**
 * pretrained()'s Hub client against a loopback Hub (hubServer.ts) serving a timm-format
 * ResNet-18 made by PyTorch: the cache (no request on the second load, offline, the
 * environment variable), concurrent loads, redirects, integrity faults, stalls, abort,
 * refused architectures and local folders.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hubFile } from "../../src/pretrained/hub/hubFile.js";
import { isLocalPath } from "../../src/pretrained/hub/local.js";
import { resolveHubOptions } from "../../src/pretrained/hub/options.js";
import { createFileCache, HubError, pretrained, type DownloadProgress } from "../../src/pretrained/index.js";
import { expectNoLeak, useTestBackend } from "../helpers/tf.js";
import { sameBits } from "../weights/helpers.js";
import { startHubServer, type Fault, type HubServer } from "./hubServer.js";
import { makeTimmFixtures, repoFiles, skipTorch } from "./timmFixture.js";

const REPO = "timm/resnet18.a1_in1k";
let hub: HubServer;
let fixtures: string;
let scratch: string;
let files: Record<string, Uint8Array>;

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? (d as unknown as { path: string }).path, d.name).slice(dir.length + 1))
    .sort();
}

let cacheCount = 0;
function freshCache(): string {
  return join(scratch, `cache-${cacheCount++}`);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a).equals(Buffer.from(b));

const cdnRequests = () => hub.requests.filter((r) => r.path.startsWith("/cdn/")).length;

describe.skipIf(skipTorch)("pretrained() from a local Hub", () => {
  beforeAll(async () => {
    await useTestBackend("cpu");
    fixtures = await makeTimmFixtures([{ depth: 18, tag: "a1_in1k", size: [64, 64], batch: 1 }]);
    files = repoFiles(fixtures, "resnet18.a1_in1k");
    scratch = mkdtempSync(join(tmpdir(), "resnet-blocks-hub-"));
    hub = await startHubServer();
    hub.addRepo(REPO, files);
    const vit = new TextEncoder().encode(JSON.stringify({ architecture: "vit_base_patch16_224", num_classes: 1000, pretrained_cfg: {} }));
    hub.addRepo("timm/vit_base_patch16_224.augreg_in21k", { "config.json": vit, "model.safetensors": files["model.safetensors"]! });
  });

  afterEach(() => {
    for (const file of ["config.json", "model.safetensors"]) hub.setFault(file, undefined);
    hub.resetCounts();
  });

  afterAll(async () => {
    await hub?.close();
    for (const dir of [fixtures, scratch]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("downloads config.json and model.safetensors (through the 302), caches them, and the second load makes no request", async () => {
    const cacheDir = freshCache();
    const events: DownloadProgress[] = [];
    const first = await pretrained(REPO, { host: hub.url, cacheDir, onProgress: (e) => events.push({ ...e }) });
    expect(hub.count("/timm/resnet18.a1_in1k/resolve/main/config.json")).toBe(1);
    expect(hub.count("/timm/resnet18.a1_in1k/resolve/main/model.safetensors")).toBe(1);
    expect(cdnRequests()).toBe(1);
    expect(first.config.architecture).toBe("resnet18");
    expect(first.dataConfig).toMatchObject({ inputSize: [3, 64, 64], interpolation: "bicubic", cropPct: 0.95 });
    expect(first.model.inputs[0]!.shape).toEqual([null, 64, 64, 3]);
    expect(first.model.outputs[0]!.shape).toEqual([null, 1000]);

    const weights = events.filter((e) => e.file === "model.safetensors");
    expect(weights.at(-1)).toMatchObject({ status: "done", loaded: files["model.safetensors"]!.length });
    const downloads = weights.filter((e) => e.status === "download");
    expect(downloads.length).toBeGreaterThan(2);
    expect(downloads.every((e) => e.total === files["model.safetensors"]!.length)).toBe(true);
    expect(downloads.every((e, i) => i === 0 || e.loaded >= downloads[i - 1]!.loaded)).toBe(true);
    expect(listFiles(cacheDir)).toEqual([
      "127.0.0.1_" + new URL(hub.url).port + "/timm/resnet18.a1_in1k/main/config.json",
      "127.0.0.1_" + new URL(hub.url).port + "/timm/resnet18.a1_in1k/main/model.safetensors",
    ]);

    hub.resetCounts();
    const cachedEvents: DownloadProgress[] = [];
    const second = await pretrained(REPO, { host: hub.url, cacheDir, onProgress: (e) => cachedEvents.push(e) });
    expect(hub.requests).toEqual([]);
    expect(cachedEvents.map((e) => e.status)).toEqual(["cached", "cached"]);
    second.model.weights.forEach((w, i) =>
      expect(sameBits(w.read().dataSync() as Float32Array, first.model.weights[i]!.read().dataSync() as Float32Array)).toBe(true),
    );
    [first, second].forEach((net) => net.dispose());
    // Offline, from the cache: no request, and no tensor left once disposed.
    await expectNoLeak(async () => (await pretrained(REPO, { host: hub.url, cacheDir, offline: true })).dispose());
    expect(hub.requests).toEqual([]);
  });

  it("offline with an empty cache fails naming the id, the file and the cache folder, with no request", async () => {
    const cacheDir = freshCache();
    const error = await pretrained(REPO, { host: hub.url, cacheDir, offline: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as Error).message).toContain(REPO);
    expect((error as Error).message).toContain("config.json");
    expect((error as Error).message).toContain(cacheDir);
    expect((error as Error).message).toMatch(/offline/);
    expect(hub.requests).toEqual([]);
  });

  it("RESNET_BLOCKS_CACHE moves the default cache folder", async () => {
    const cacheDir = freshCache();
    const saved = process.env.RESNET_BLOCKS_CACHE;
    process.env.RESNET_BLOCKS_CACHE = cacheDir;
    try {
      const net = await pretrained(REPO, { host: hub.url });
      net.dispose();
    } finally {
      if (saved === undefined) delete process.env.RESNET_BLOCKS_CACHE;
      else process.env.RESNET_BLOCKS_CACHE = saved;
    }
    expect(listFiles(cacheDir).map((f) => f.split("/").pop())).toEqual(["config.json", "model.safetensors"]);
  });

  it("two concurrent loads of one id download it once", async () => {
    const cacheDir = freshCache();
    const [a, b] = await Promise.all([pretrained(REPO, { host: hub.url, cacheDir }), pretrained(REPO, { host: hub.url, cacheDir })]);
    expect(hub.count("/config.json")).toBe(1);
    expect(hub.count("/model.safetensors")).toBe(1);
    expect(cdnRequests()).toBe(1);
    a.dispose();
    b.dispose();
  });

  const FAULTS: Array<{ file: string; fault: Fault; message: RegExp }> = [
    { file: "model.safetensors", fault: "truncate", message: /truncated/ },
    { file: "model.safetensors", fault: "wrong-hash", message: /sha256 of the download is [0-9a-f]{64} but the server's ETag says/ },
    { file: "model.safetensors", fault: "404", message: /404.*no such repository, revision or file/ },
    { file: "model.safetensors", fault: "500", message: /500/ },
    { file: "model.safetensors", fault: "html", message: /HTML page/ },
    { file: "model.safetensors", fault: "stall", message: /no data for 300 ms \(stallTimeoutMs\)/ },
    { file: "config.json", fault: "wrong-hash", message: /git blob sha1 of the download/ },
    { file: "config.json", fault: "html", message: /HTML page/ },
    { file: "config.json", fault: "404", message: /404/ },
  ];

  it.each(FAULTS)("$fault on $file fails clearly and caches nothing of it", async ({ file, fault, message }) => {
    const cacheDir = freshCache();
    hub.setFault(file, fault);
    const before = tf.memory().numTensors;
    const error = await pretrained(REPO, { host: hub.url, cacheDir, stallTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(REPO);
    expect((error as Error).message).toContain(file);
    expect(tf.memory().numTensors).toBe(before);
    const left = listFiles(cacheDir);
    expect(left.filter((f) => f.endsWith(file) || f.endsWith(".part"))).toEqual([]);
    // Healthy again: the next request downloads the file (nothing bad was kept) and caches it.
    hub.setFault(file, undefined);
    hub.resetCounts();
    const bytes = await hubFile(REPO, file, resolveHubOptions({ host: hub.url }), createFileCache(cacheDir));
    expect(hub.count(`/${file}`)).toBe(1);
    expect(sameBytes(bytes, files[file]!)).toBe(true);
    expect(listFiles(cacheDir).filter((f) => f.endsWith(file))).toHaveLength(1);
  });

  it("an AbortSignal stops a download: the call rejects with the reason and nothing is cached", async () => {
    const cacheDir = freshCache();
    hub.setFault("model.safetensors", "stall");
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    const loading = pretrained(REPO, {
      host: hub.url,
      cacheDir,
      signal: controller.signal,
      onProgress: (e) => e.file === "model.safetensors" && e.loaded > 0 && controller.abort(reason),
    });
    await expect(loading).rejects.toBe(reason);
    expect(listFiles(cacheDir).filter((f) => f.includes("model.safetensors"))).toEqual([]);
  });

  it("refuses another architecture, naming it and the supported ones, before downloading its weights", async () => {
    const error = await pretrained("timm/vit_base_patch16_224.augreg_in21k", { host: hub.url, cacheDir: freshCache() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as Error).message).toMatch(/architecture "vit_base_patch16_224" is not supported; pretrained\(\) builds resnet18, resnet34, resnet50, resnet101, resnet152/);
    expect(hub.count("/model.safetensors")).toBe(0);
  });

  it("a revision other than main is fetched at that revision", async () => {
    hub.addRepo(REPO, files, "v1.0");
    const cacheDir = freshCache();
    const net = await pretrained(REPO, { host: hub.url, cacheDir, revision: "v1.0" });
    expect(hub.count("/timm/resnet18.a1_in1k/resolve/v1.0/model.safetensors")).toBe(1);
    net.dispose();
    const error = await pretrained(REPO, { host: hub.url, cacheDir, revision: "v9" }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/resolve\/v9\/config\.json: 404/);
  });

  it("loads a local folder or .safetensors path with no request", async () => {
    const folder = join(fixtures, "resnet18.a1_in1k");
    for (const id of [folder, join(folder, "model.safetensors")]) {
      const net = await pretrained(id, { host: hub.url });
      expect(net.config.architecture).toBe("resnet18");
      expect(net.source).toBe(folder);
      net.dispose();
    }
    expect(hub.requests).toEqual([]);
    const missing = join(scratch, "empty");
    mkdirSync(missing, { recursive: true });
    writeFileSync(join(missing, "model.safetensors"), files["model.safetensors"]!);
    await expect(pretrained(missing)).rejects.toThrow(/config\.json is missing/);
    expect(["./a", "../a", "/a", "file:///a", "C:\\a", "."].every(isLocalPath)).toBe(true);
    expect(["timm/resnet50.a1_in1k", "resnet50", "a/./b"].some(isLocalPath)).toBe(false);
  });

  it("checks its arguments before any request", async () => {
    await expect(pretrained("timm/../etc", { host: hub.url })).rejects.toThrow(/id must be a Hugging Face Hub repository/);
    await expect(pretrained(REPO, { host: "ftp://x" })).rejects.toThrow(/host must be an http\(s\) URL/);
    await expect(pretrained(REPO, { stallTimeoutMs: 0 })).rejects.toThrow(/stallTimeoutMs must be a finite number > 0; got 0/);
    await expect(pretrained(REPO, { offline: "yes" as unknown as boolean })).rejects.toThrow(/offline must be true or false/);
    await expect(pretrained(REPO, { colour: 1 } as never)).rejects.toThrow(/options.colour is not an option of pretrained\(\)/);
    await expect(pretrained(42 as never)).rejects.toThrow(/id must be a string/);
    expect(hub.requests).toEqual([]);
  });
});
