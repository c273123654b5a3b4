import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetError, loadImageFolder } from "../../../src/train/data/index.js";
import { expectNoLeak, useTestBackend } from "../../helpers/tf.js";

// A 4-row, 6-column RGBA image whose every byte says where it is; alpha varies and must be ignored.
const H = 4;
const W = 6;
const rgbaAt = (i: number, j: number): [number, number, number, number] => [10 * i + 3 * j, 200 - 20 * i, 7 * j + 1, 40 * i + j];
const JPEG_COLOR = [200, 100, 50];
const GREY = [[0, 64], [128, 255]];

function pngBytes(width: number, height: number, rgba: (i: number, j: number) => number[], colorType: 0 | 2 | 6): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) png.data.set(rgba(i, j), 4 * (i * width + j));
  return PNG.sync.write(png, { colorType });
}

let dir: string;
beforeAll(async () => {
  await useTestBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "resnet-blocks-images-"));
  const root = join(dir, "set");
  mkdirSync(join(root, "cat"), { recursive: true });
  mkdirSync(join(root, "dog"));
  writeFileSync(join(root, "cat", "a.png"), pngBytes(W, H, rgbaAt, 6));
  writeFileSync(join(root, "cat", "b.PNG"), pngBytes(2, 2, (i, j) => [GREY[i]![j]!, GREY[i]![j]!, GREY[i]![j]!, 255], 0));
  writeFileSync(join(root, "cat", "notes.txt"), "not an image");
  writeFileSync(join(root, "cat", ".DS_Store"), "junk");
  const jpg = jpeg.encode({ width: 16, height: 8, data: new Uint8Array(16 * 8 * 4).map((_, k) => (k % 4 === 3 ? 255 : JPEG_COLOR[k % 4]!)) }, 95);
  writeFileSync(join(root, "dog", "c.jpg"), jpg.data);
  writeFileSync(join(root, "readme.md"), "files beside the class folders are ignored");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Expected [2, 3] RGB of the 4x6 image: bilinear with half-pixel centres at exactly half size averages each 2x2 block. */
function halvedRgb(channel: (rgba: number[]) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < H / 2; i++)
    for (let j = 0; j < W / 2; j++) {
      const block = [rgbaAt(2 * i, 2 * j), rgbaAt(2 * i + 1, 2 * j), rgbaAt(2 * i, 2 * j + 1), rgbaAt(2 * i + 1, 2 * j + 1)];
      out.push(block.reduce((sum, p) => sum + channel(p), 0) / 4 / 255);
    }
  return out;
}

const luma = (p: number[]) => 0.299 * p[0]! + 0.587 * p[1]! + 0.114 * p[2]!;

describe("loadImageFolder", () => {
  it("reads one class per sub-folder, decodes PNG (RGBA, grey) and JPEG, drops alpha and resizes", async () => {
    await expectNoLeak(async () => {
      const data = await loadImageFolder(join(dir, "set"), { size: [2, 3] });
      expect(data.classNames).toEqual(["cat", "dog"]);
      expect(data.x.shape).toEqual([3, 2, 3, 3]);
      expect(Array.from(await data.y.data())).toEqual([0, 0, 1]);
      const x = (await data.x.array()) as number[][][][];

      const [r, g, b] = [0, 1, 2].map((c) => halvedRgb((p) => p[c]!));
      const rgb = x[0]!.flat();
      for (let k = 0; k < 6; k++) {
        expect(rgb[k]![0]).toBeCloseTo(r![k]!, 5);
        expect(rgb[k]![1]).toBeCloseTo(g![k]!, 5);
        expect(rgb[k]![2]).toBeCloseTo(b![k]!, 5);
      }
      // The grey PNG, 2x2 upsampled to 2x3: the corners keep their values, R = G = B.
      const grey = x[1]!;
      expect(grey[0]![0]).toEqual([0, 0, 0]);
      for (const c of [0, 1, 2]) expect(grey[1]![2]![c]).toBeCloseTo(1, 6);
      // The JPEG: one flat colour, lossy, so within 3 levels of 255.
      for (const pixel of x[2]!.flat()) pixel.forEach((v, c) => expect(Math.abs(v * 255 - JPEG_COLOR[c]!)).toBeLessThan(3));
      tf.dispose([data.x, data.y]);
    });
  });

  it("converts to one grey channel with the luma weights, and reads at most limitPerClass images", async () => {
    const data = await loadImageFolder(join(dir, "set"), { size: [2, 3], channels: 1, limitPerClass: 1 });
    expect(data.x.shape).toEqual([2, 2, 3, 1]);
    expect(Array.from(await data.y.data())).toEqual([0, 1]);
    const values = Array.from(await data.x.data());
    const expected = halvedRgb(luma);
    for (let k = 0; k < 6; k++) expect(values[k]).toBeCloseTo(expected[k]!, 5);
    for (const v of values.slice(6)) expect(Math.abs(v * 255 - luma(JPEG_COLOR))).toBeLessThan(3);
    tf.dispose([data.x, data.y]);
  });

  it("names the missing folder, the folder without classes, the empty class, the broken file", async () => {
    const missing = join(dir, "nowhere");
    await expect(loadImageFolder(missing, { size: [2, 2] })).rejects.toThrow(`image folder not found: ${missing}`);

    const flat = join(dir, "flat");
    mkdirSync(flat);
    writeFileSync(join(flat, "x.png"), pngBytes(1, 1, () => [0, 0, 0, 255], 2));
    await expect(loadImageFolder(flat, { size: [2, 2] })).rejects.toThrow(`${flat} has no class sub-folders`);

    const empty = join(dir, "empty");
    mkdirSync(join(empty, "a"), { recursive: true });
    mkdirSync(join(empty, "b"));
    writeFileSync(join(empty, "a", "x.png"), pngBytes(1, 1, () => [0, 0, 0, 255], 2));
    writeFileSync(join(empty, "b", "notes.txt"), "no images here");
    const error = await loadImageFolder(empty, { size: [2, 2] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).path).toBe(join(empty, "b"));
    expect((error as Error).message).toBe(`class folder ${join(empty, "b")} has no images (.png, .jpg, .jpeg)`);

    const broken = join(dir, "broken");
    mkdirSync(join(broken, "a"), { recursive: true });
    writeFileSync(join(broken, "a", "x.png"), pngBytes(2, 2, () => [0, 0, 0, 255], 2).subarray(0, 40));
    writeFileSync(join(broken, "a", "y.jpg"), "plain text, not a JPEG");
    const before = tf.memory().numTensors;
    await expect(loadImageFolder(broken, { size: [2, 2] })).rejects.toThrow(new RegExp(`^${escape(join(broken, "a", "x.png"))}: cannot decode the PNG image`));
    await expect(loadImageFolder(broken, { size: [2, 2], limitPerClass: 1 })).rejects.toBeInstanceOf(DatasetError);
    rmSync(join(broken, "a", "x.png"));
    await expect(loadImageFolder(broken, { size: [2, 2] })).rejects.toThrow(`${join(broken, "a", "y.jpg")}: not a PNG or JPEG image`);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects bad options at the call", async () => {
    const set = join(dir, "set");
    await expect(loadImageFolder(set, { size: [0, 2] })).rejects.toThrow(/^size\[0\] \(height\) must be an integer >= 1; got 0$/);
    await expect(loadImageFolder(set, { size: 32 as never })).rejects.toThrow(/^size must be \[height, width\], integers >= 1; got 32$/);
    await expect(loadImageFolder(set, { size: [2, 2], channels: 4 as never })).rejects.toThrow(/^channels must be one of 1, 3; got 4$/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
