import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CIFAR10_CLASSES, DatasetError, decodeCifar10, loadCifar10 } from "../../../src/train/data/index.js";
import { expectNoLeak, useTestBackend } from "../../helpers/tf.js";

/** The byte the test writes for record r, channel c (0 = red), row i, column j. */
const pixel = (r: number, c: number, i: number, j: number) => (r * 7 + c * 50 + i * 3 + j * 5) % 256;

/** CIFAR-10 records as the format's documentation describes them: a label byte, then the R, G and B planes of 32x32, row-major. */
function records(labels: number[], first = 0): Uint8Array {
  const bytes = new Uint8Array(labels.length * 3073);
  labels.forEach((label, k) => {
    const r = first + k;
    const base = k * 3073;
    bytes[base] = label;
    for (let c = 0; c < 3; c++) for (let i = 0; i < 32; i++) for (let j = 0; j < 32; j++) bytes[base + 1 + c * 1024 + i * 32 + j] = pixel(r, c, i, j);
  });
  return bytes;
}

let dir: string;
beforeAll(async () => {
  await useTestBackend("cpu");
  dir = mkdtempSync(join(tmpdir(), "resnet-blocks-cifar-"));
  const full = join(dir, "full");
  mkdirSync(full);
  for (let b = 1; b <= 5; b++) writeFileSync(join(full, `data_batch_${b}.bin`), records([b, (b + 5) % 10], 2 * (b - 1)));
  writeFileSync(join(full, "test_batch.bin"), records([4, 2, 7]));
  writeFileSync(join(full, "batches.meta.txt"), "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function expectPixels(x: tf.Tensor4D, firstRecord: number): Promise<void> {
  const values = await x.data();
  const [n] = x.shape;
  let worst = 0;
  for (let r = 0; r < n; r++)
    for (let i = 0; i < 32; i++)
      for (let j = 0; j < 32; j++)
        for (let c = 0; c < 3; c++) {
          const got = values[((r * 32 + i) * 32 + j) * 3 + c]!;
          worst = Math.max(worst, Math.abs(got - pixel(firstRecord + r, c, i, j) / 255));
        }
  expect(worst).toBeLessThan(1e-7); // k / 255 in float32 either way
}

describe("decodeCifar10 (bytes, browser-safe)", () => {
  it("turns the channel-major planes into NHWC floats in [0, 1] and the label bytes into int32", async () => {
    await expectNoLeak(async () => {
      const data = decodeCifar10(records([3, 0, 9]));
      expect(data.x.shape).toEqual([3, 32, 32, 3]);
      expect(data.x.dtype).toBe("float32");
      expect(data.y.dtype).toBe("int32");
      expect(Array.from(await data.y.data())).toEqual([3, 0, 9]);
      await expectPixels(data.x, 0);
      expect(data.classNames).toEqual([...CIFAR10_CLASSES]);
      tf.dispose([data.x, data.y]);
    });
  });

  it("keeps a limit across batches", async () => {
    const data = decodeCifar10([records([1, 2]), records([3, 4], 2)], { limit: 3 });
    expect(Array.from(await data.y.data())).toEqual([1, 2, 3]);
    await expectPixels(data.x, 0);
    tf.dispose([data.x, data.y]);
  });

  it("rejects a truncated record and a label outside 0..9, naming the source", () => {
    const truncated = records([1, 2]).subarray(0, 3073 + 100);
    expect(() => decodeCifar10(truncated, { source: "a.bin" })).toThrow(DatasetError);
    expect(() => decodeCifar10(truncated, { source: "a.bin" })).toThrow(
      /^a\.bin: 3173 bytes is not a whole number of 3073-byte CIFAR-10 records \(1 records and 100 bytes over\)/,
    );
    expect(() => decodeCifar10(records([1, 12]), { source: "b.bin" })).toThrow(/^b\.bin: record 1 has label 12; CIFAR-10 labels are 0\.\.9$/);
    expect(() => decodeCifar10(new Uint8Array(0), { source: "c.bin" })).toThrow(/^c\.bin: no records/);
    expect(() => decodeCifar10(records([1]), { limit: 0 })).toThrow(/^limit must be an integer >= 1; got 0$/);
    expect(() => decodeCifar10([])).toThrow(/^batches must hold at least one CIFAR-10 batch; got \[\]$/);
    expect(() => decodeCifar10("bytes" as never)).toThrow(/^batches must be a Uint8Array or an array of them; got "bytes"$/);
  });
});

describe("loadCifar10 (Node, a folder of the binary release)", () => {
  it("reads the five training batches in order, with the class names of batches.meta.txt", async () => {
    await expectNoLeak(async () => {
      const data = await loadCifar10(join(dir, "full"));
      expect(data.x.shape).toEqual([10, 32, 32, 3]);
      expect(Array.from(await data.y.data())).toEqual([1, 6, 2, 7, 3, 8, 4, 9, 5, 0]);
      await expectPixels(data.x, 0);
      expect(data.classNames).toEqual(["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);
      tf.dispose([data.x, data.y]);
    });
  });

  it("reads the test split, and the first `limit` images", async () => {
    const test = await loadCifar10(join(dir, "full"), { split: "test" });
    expect(Array.from(await test.y.data())).toEqual([4, 2, 7]);
    await expectPixels(test.x, 0);
    const few = await loadCifar10(join(dir, "full"), { limit: 3 });
    expect(Array.from(await few.y.data())).toEqual([1, 6, 2]);
    await expectPixels(few.x, 0);
    tf.dispose([test.x, test.y, few.x, few.y]);
  });

  it("finds the batches in the archive's cifar-10-batches-bin sub-folder, and uses the standard names without batches.meta.txt", async () => {
    const outer = join(dir, "outer");
    mkdirSync(join(outer, "cifar-10-batches-bin"), { recursive: true });
    writeFileSync(join(outer, "cifar-10-batches-bin", "test_batch.bin"), records([5]));
    const data = await loadCifar10(outer, { split: "test" });
    expect(Array.from(await data.y.data())).toEqual([5]);
    expect(data.classNames).toEqual([...CIFAR10_CLASSES]);
    tf.dispose([data.x, data.y]);
  });

  it("names the missing folder, the missing file, the truncated file", async () => {
    const missing = join(dir, "nowhere");
    await expect(loadCifar10(missing)).rejects.toThrow(`CIFAR-10 folder not found: ${missing}`);
    await expect(loadCifar10(missing)).rejects.toBeInstanceOf(DatasetError);

    const partial = join(dir, "partial");
    mkdirSync(partial);
    for (const b of [1, 2, 4, 5]) writeFileSync(join(partial, `data_batch_${b}.bin`), records([0]));
    await expect(loadCifar10(partial)).rejects.toThrow(`CIFAR-10 file not found: ${join(partial, "data_batch_3.bin")}`);

    const broken = join(dir, "broken");
    mkdirSync(broken);
    writeFileSync(join(broken, "test_batch.bin"), records([1, 2]).subarray(0, 5000));
    const error = await loadCifar10(broken, { split: "test" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).path).toBe(join(broken, "test_batch.bin"));
    expect((error as Error).message).toMatch(/test_batch\.bin: 5000 bytes is not a whole number of 3073-byte CIFAR-10 records/);

    await expect(loadCifar10(join(dir, "full"), { split: "val" as never })).rejects.toThrow(/^split must be one of "train", "test"; got "val"$/);
  });

  it("names limit when it is 0, negative or not whole (not the internal list of batches)", async () => {
    for (const [limit, shown] of [[0, "0"], [-2, "-2"], [1.5, "1.5"]] as const) {
      await expect(loadCifar10(join(dir, "full"), { limit })).rejects.toThrow(`limit must be an integer >= 1; got ${shown}`);
    }
    await expect(loadCifar10(join(dir, "full"), { limit: "3" as never })).rejects.toThrow(/^limit must be an integer >= 1; got "3"$/);
    await expect(loadCifar10(join(dir, "full"), { extra: 1 } as never)).rejects.toThrow(/options\.extra is not an option of loadCifar10; accepted: split, limit/);
  });

  it("a folder where a batch file or batches.meta.txt is expected is a DatasetError naming it, not a raw EISDIR", async () => {
    const folders = join(dir, "folders");
    mkdirSync(join(folders, "test_batch.bin"), { recursive: true });
    const error = await loadCifar10(folders, { split: "test" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(`CIFAR-10 file ${join(folders, "test_batch.bin")} is a folder, not a file (the test split needs test_batch.bin)`);

    const meta = join(dir, "meta-folder");
    mkdirSync(join(meta, "batches.meta.txt"), { recursive: true });
    writeFileSync(join(meta, "test_batch.bin"), records([1]));
    const metaError = await loadCifar10(meta, { split: "test" }).catch((e: unknown) => e);
    expect(metaError).toBeInstanceOf(DatasetError);
    expect((metaError as Error).message).toBe(`CIFAR-10 file ${join(meta, "batches.meta.txt")} is a folder, not a file (the class names, one per line)`);

    const file = join(dir, "full", "test_batch.bin");
    await expect(loadCifar10(file)).rejects.toThrow(`CIFAR-10 folder not found: ${file} is a file`);
  });
});
