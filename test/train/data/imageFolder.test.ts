import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { crc32, deflateSync } from "node:zlib";
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

/** A PNG chunk: length, type, data, CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An 8-bit RGB PNG that declares width x height and carries `data` as its only IDAT chunk. */
function lyingPng(width: number, height: number, data: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk("IHDR", header), pngChunk("IDAT", data), pngChunk("IEND", Buffer.alloc(0))]);
}

describe("loadImageFolder: image sizes", () => {
  // 10 bytes of zlib data: two zero bytes, far from the 20000 x (1 + 60000) a 20000x20000 RGB image needs.
  const tenBytes = deflateSync(Buffer.alloc(2));

  function folderWith(name: string, bytes: Buffer): string {
    const root = join(dir, name);
    mkdirSync(join(root, "a"), { recursive: true });
    writeFileSync(join(root, "a", "x.png"), bytes);
    return root;
  }

  it("refuses a PNG that declares more than maxResolutionInMP before decoding it", async () => {
    expect(tenBytes.length).toBe(10);
    const bytes = lyingPng(20000, 20000, tenBytes);
    expect(bytes.length).toBeLessThan(72);
    const root = folderWith("huge", bytes);
    const before = tf.memory().numTensors;
    const error = await loadImageFolder(root, { size: [2, 2] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).path).toBe(join(root, "a", "x.png"));
    expect((error as Error).message).toBe(
      `${join(root, "a", "x.png")}: the PNG image declares 20000x20000 pixels (400 MP), more than maxResolutionInMP (100 MP); raise maxResolutionInMP to read it`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a PNG whose data does not cover its declared size, and an empty PNG", async () => {
    const path = (root: string) => join(root, "a", "x.png");
    const short = folderWith("short", lyingPng(100, 100, tenBytes));
    await expect(loadImageFolder(short, { size: [2, 2] })).rejects.toThrow(
      `${path(short)}: cannot decode the PNG image (its data does not cover its declared size: 100x100 pixels need 30100 bytes of image data; it has 2 bytes of image data)`,
    );
    // One row short of 3x3: the last row would be made up.
    const oneRowShort = folderWith("oneRowShort", lyingPng(3, 3, deflateSync(Buffer.alloc(2 * 10))));
    await expect(loadImageFolder(oneRowShort, { size: [2, 2] })).rejects.toThrow(/need 30 bytes of image data; it has 20 bytes/);
    const empty = folderWith("emptyPng", lyingPng(0, 5, deflateSync(Buffer.alloc(0))));
    await expect(loadImageFolder(empty, { size: [2, 2] })).rejects.toThrow(
      `${path(empty)}: cannot decode the PNG image (it is empty: it declares 0x5 pixels; at least 1x1 is needed)`,
    );
    // The same bytes, complete, load.
    const whole = folderWith("whole", lyingPng(3, 3, deflateSync(Buffer.alloc(3 * 10))));
    const data = await loadImageFolder(whole, { size: [3, 3] });
    expect(Array.from(await data.x.data())).toEqual(new Array(27).fill(0));
    tf.dispose([data.x, data.y]);
  });

  it("takes the limit as maxResolutionInMP, for PNG and JPEG alike, and checks it", async () => {
    const set = join(dir, "set");
    // a.png is 6x4 = 24 pixels, c.jpg 16x8 = 128 pixels.
    await expect(loadImageFolder(set, { size: [2, 2], maxResolutionInMP: 0.00002 })).rejects.toThrow(
      /a\.png: the PNG image declares 6x4 pixels \(0\.000024 MP\), more than maxResolutionInMP \(0\.00002 MP\)/,
    );
    const jpegOnly = join(dir, "jpegOnly");
    mkdirSync(join(jpegOnly, "dog"), { recursive: true });
    writeFileSync(join(jpegOnly, "dog", "c.jpg"), readFileSync(join(set, "dog", "c.jpg")));
    await expect(loadImageFolder(jpegOnly, { size: [2, 2], maxResolutionInMP: 0.0001 })).rejects.toThrow(/c\.jpg: the JPEG image declares 16x8 pixels \(0\.000128 MP\), more than maxResolutionInMP \(0\.0001 MP\)/);
    const data = await loadImageFolder(jpegOnly, { size: [2, 2], maxResolutionInMP: 0.000128 });
    expect(data.x.shape).toEqual([1, 2, 2, 3]);
    tf.dispose([data.x, data.y]);
    for (const bad of [0, -1, Number.NaN, "100"]) {
      await expect(loadImageFolder(set, { size: [2, 2], maxResolutionInMP: bad as never })).rejects.toThrow(
        /^maxResolutionInMP must be a number > 0 \(megapixels\); got /,
      );
    }
  });

  it("follows symlinked images, and skips a folder (or a link to one) named like an image instead of failing with EISDIR", async () => {
    const root = join(dir, "folderAsImage");
    mkdirSync(join(root, "a", "x.png"), { recursive: true });
    writeFileSync(join(root, "y.png"), pngBytes(1, 1, () => [255, 255, 255, 255], 2));
    writeFileSync(join(root, "a", "z.png"), pngBytes(1, 1, () => [0, 0, 0, 255], 2));
    symlinkSync(join(root, "a", "x.png"), join(root, "a", "linkToFolder.png"));
    symlinkSync(join(root, "y.png"), join(root, "a", "linkToImage.png"));
    const data = await loadImageFolder(root, { size: [1, 1] });
    expect(Array.from(await data.x.data())).toEqual([1, 1, 1, 0, 0, 0]); // linkToImage.png, then z.png
    tf.dispose([data.x, data.y]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
