/**
 * The file checkpoint store: its path is checked before the first step (a missing folder,
 * a read-only folder, a parent that is a file, a path that is a folder), its temporary
 * file is created exclusively under an unpredictable name (a planted symlink is never
 * followed), and stale temporary files of killed runs are removed when a run opens it.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileCheckpointStore } from "../../../src/train/loop/fileStore.js";
import { train } from "../../../src/train/loop/index.js";
import type { TrainOptions } from "../../../src/train/loop/types.js";
import { useTestBackend } from "../../helpers/tf.js";
import { denseModel, tinyData } from "./fixtures.js";

let directory: string;
let data: { x: tf.Tensor4D; y: tf.Tensor1D };
const quiet: TrainOptions = { batchSize: 8, seed: 1, progress: false, epochs: 1 };

beforeAll(async () => {
  await useTestBackend("cpu");
  directory = mkdtempSync(join(tmpdir(), "resnet-blocks-store-"));
  data = tinyData(16, 1);
});
afterAll(() => {
  tf.dispose([data.x, data.y]);
  chmodSync(directory, 0o755);
  rmSync(directory, { recursive: true, force: true });
});

/** Trains with `checkpoint`; expects `message` before any step and nothing left in the folder. */
async function expectRefusedBeforeFirstStep(checkpoint: string, message: string) {
  const model = denseModel(1);
  let steps = 0;
  const before = tf.memory().numTensors;
  await expect(train(model, data, { ...quiet, checkpoint, callbacks: { onBatchEnd: () => void steps++ } })).rejects.toThrow(message);
  expect(steps).toBe(0);
  expect(tf.memory().numTensors).toBe(before);
  model.dispose();
}

describe("the checkpoint path is checked before the first step", () => {
  it("a missing folder, a parent that is a file, a path that is a folder", async () => {
    const missing = join(directory, "no-such-folder", "run.ckpt");
    await expectRefusedBeforeFirstStep(missing, `checkpoint: the folder ${join(directory, "no-such-folder")} of ${missing} does not exist`);

    writeFileSync(join(directory, "a-file"), "x");
    const underFile = join(directory, "a-file", "run.ckpt");
    await expectRefusedBeforeFirstStep(underFile, `checkpoint: ${join(directory, "a-file")}, the folder of ${underFile}, is a file`);

    const folder = join(directory, "isdir");
    mkdirSync(folder);
    await expectRefusedBeforeFirstStep(folder, `checkpoint: ${folder} is a folder; give the path of a checkpoint file in it, like ${join(folder, "run.ckpt")}`);
    expect(readdirSync(directory).filter((name) => name.includes(".tmp"))).toEqual([]);
  });

  it("a folder the run cannot write into", async () => {
    // As root, permissions do not stop a write; /sys refuses new files to everyone.
    const root = process.getuid?.() === 0;
    const readOnly = root ? "/sys" : join(directory, "read-only");
    if (!root) {
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o555);
    }
    const path = join(readOnly, "run.ckpt");
    await expectRefusedBeforeFirstStep(path, `checkpoint: cannot write into the folder ${readOnly} of ${path} (EACCES`);
  });
});

describe("the temporary file", () => {
  it("never follows a planted symlink: the file it points to is untouched", async () => {
    const folder = join(directory, "planted");
    mkdirSync(folder);
    const victim = join(directory, "victim.txt");
    writeFileSync(victim, "precious");
    const path = join(folder, "run.ckpt");
    symlinkSync(victim, `${path}.tmp`);
    const model = denseModel(1);
    await train(model, data, { ...quiet, checkpoint: path });
    model.dispose();
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(existsSync(path)).toBe(true);
  });

  it("stale temporary files of this checkpoint (killed runs) are removed when a run opens the store; others are left", async () => {
    const folder = join(directory, "stale");
    mkdirSync(folder);
    const path = join(folder, "run.ckpt");
    await fileCheckpointStore(path).open!(); // an empty folder is fine
    for (const name of ["run.ckpt.tmp", "run.ckpt.0123456789abcdef.tmp", "run.ckpt.fedcba9876543210.tmp"]) writeFileSync(join(folder, name), "left by a killed run");
    const kept = ["other.ckpt.0123456789abcdef.tmp", "run.ckpt.notes", "run.ckpt.0123.tmp"];
    for (const name of kept) writeFileSync(join(folder, name), "not ours");
    const model = denseModel(1);
    await train(model, data, { ...quiet, checkpoint: path });
    model.dispose();
    expect(readdirSync(folder).sort()).toEqual([...kept, "run.ckpt"].sort());
  });
});
