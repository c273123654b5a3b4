/**
 * createTransforms in Chromium: the browser inputs (Blob, ImageBitmap, HTMLImageElement,
 * HTMLCanvasElement, OffscreenCanvas, ImageData, bytes) give the tensor that Node gives for the
 * same PNG file (opaque RGB, so the canvas's premultiplied alpha plays no part).
 * The library's transforms are bundled for the page with esbuild.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransforms, resolveDataConfig } from "../../src/pretrained/transforms/index.js";
import { useTestBackend } from "../helpers/tf.js";
import { launchChromium } from "./chromium.js";
import { startServer, type StaticServer } from "./server.js";

const WIDTH = 157;
const HEIGHT = 103;
const CFG = { input_size: [3, 64, 64], interpolation: "bicubic", crop_pct: 0.95 };
const KINDS = ["bytes", "Blob", "ImageBitmap", "HTMLImageElement", "HTMLCanvasElement", "OffscreenCanvas", "ImageData"] as const;

const ENTRY = `
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createTransforms, resolveDataConfig } from ${JSON.stringify(new URL("../../src/pretrained/transforms/index.ts", import.meta.url).pathname)};
window.runTransforms = async (base64, cfg) => {
  await tf.setBackend("cpu");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const blob = new Blob([bytes], { type: "image/png" });
  const bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none", imageOrientation: "none" });
  const img = new Image();
  img.src = URL.createObjectURL(blob);
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width; canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  const offscreen = new OffscreenCanvas(bitmap.width, bitmap.height);
  offscreen.getContext("2d").drawImage(bitmap, 0, 0);
  const imageData = canvas.getContext("2d").getImageData(0, 0, bitmap.width, bitmap.height);
  const transforms = createTransforms(resolveDataConfig(cfg));
  const inputs = { bytes, Blob: blob, ImageBitmap: bitmap, HTMLImageElement: img, HTMLCanvasElement: canvas, OffscreenCanvas: offscreen, ImageData: imageData };
  const out = {};
  const before = tf.memory().numTensors;
  for (const [kind, input] of Object.entries(inputs)) {
    const t = await transforms.apply(input);
    out[kind] = Array.from(await t.data());
    t.dispose();
  }
  out.leaked = tf.memory().numTensors - before;
  return out;
};
`;

let dir: string;
let server: StaticServer;
let browser: Browser;

function png(): Uint8Array {
  const image = new PNG({ width: WIDTH, height: HEIGHT });
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 4;
      image.data[i] = (128 + 120 * Math.sin(x / 5 + y / 9)) & 255;
      image.data[i + 1] = (x * 255) / WIDTH;
      image.data[i + 2] = ((x >> 3) + (y >> 2)) % 2 ? 230 : 25;
      image.data[i + 3] = 255;
    }
  }
  return new Uint8Array(PNG.sync.write(image));
}

describe("createTransforms in Chromium", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "resnet-blocks-browser-transforms-"));
    await build({
      stdin: { contents: ENTRY, resolveDir: new URL("../..", import.meta.url).pathname, loader: "js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      outdir: dir,
      entryNames: "main",
      splitting: true, // the Node-only decoders stay in a chunk of their own, loaded by a dynamic import
      external: ["pngjs", "jpeg-js", "node:*"],
      logLevel: "silent",
    });
    writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="main.js"></script>');
    server = await startServer(dir);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("every browser input gives Node's tensor for the same PNG, bit for bit, without leaks", async () => {
    const bytes = png();
    await useTestBackend("cpu");
    const before = tf.memory().numTensors;
    const node = await createTransforms(resolveDataConfig(CFG)).apply(bytes);
    const expected = Array.from(await node.data());
    node.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    try {
      await page.goto(`${server.url}plain/index.html`);
      await page
        .waitForFunction(() => typeof (window as unknown as { runTransforms?: unknown }).runTransforms === "function", undefined, { timeout: 30_000 })
        .catch((error: Error) => {
          throw new Error(`the page did not start: ${errors.join("; ") || error.message}`);
        });
      const base64 = Buffer.from(bytes).toString("base64");
      const result = (await page.evaluate(
        ([b, cfg]) => (window as unknown as { runTransforms: (b: string, c: unknown) => Promise<Record<string, number[] | number>> }).runTransforms(b, cfg),
        [base64, CFG] as const,
      )) as Record<string, number[] | number>;
      expect(result.leaked).toBe(0);
      for (const kind of KINDS) {
        const values = result[kind] as number[];
        expect(values.length, kind).toBe(expected.length);
        let max = 0;
        for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]! - expected[i]!));
        expect({ kind, max }).toEqual({ kind, max: 0 });
      }
    } finally {
      await page.close();
    }
  }, 120_000);
});
