import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { cropFlip, drawCropFlip, normalize, resolveAugment } from "../../../src/train/loop/augment.js";
import { hashSeed, permutation, uniformGenerator } from "../../../src/train/loop/random.js";
import { expectNoLeak, useTestBackend } from "../../helpers/tf.js";

/** Pad, crop and flip in plain JavaScript, element by element: the reference. */
function cropFlipReference(
  values: Float32Array,
  [n, h, w, c]: number[],
  pad: number,
  draw: { top: Int32Array; left: Int32Array; flip: Uint8Array },
): Float32Array {
  const out = new Float32Array(values.length);
  for (let b = 0; b < n!; b++) {
    for (let i = 0; i < h!; i++) {
      for (let j = 0; j < w!; j++) {
        const column = draw.left[b]! + (draw.flip[b] ? w! - 1 - j : j);
        const r = draw.top[b]! + i - pad;
        const q = column - pad;
        for (let k = 0; k < c!; k++) {
          const inside = r >= 0 && r < h! && q >= 0 && q < w!;
          out[((b * h! + i) * w! + j) * c! + k] = inside ? values[((b * h! + r) * w! + q) * c! + k]! : 0;
        }
      }
    }
  }
  return out;
}

describe.each(["cpu", "wasm"] as const)("augmentation on the %s backend", (backend) => {
  it("pad + random crop + flip equals the element-by-element reference, with no leak", async () => {
    await useTestBackend(backend);
    const shape: [number, number, number, number] = [6, 5, 7, 3]; // height != width, so a swapped axis would show
    const x = tf.randomUniform(shape, -1, 1, "float32", 11) as tf.Tensor4D;
    const values = (await x.data()) as Float32Array;
    for (const [pad, flip] of [[4, true], [2, false], [0, true]] as const) {
      const draw = drawCropFlip(6, pad, flip, uniformGenerator(hashSeed(5, pad)));
      await expectNoLeak(async () => {
        const out = cropFlip(x, pad, draw);
        expect(out.shape).toEqual(shape);
        expect(Array.from(await out.data())).toEqual(Array.from(cropFlipReference(values, shape, pad, draw)));
        out.dispose();
      });
    }
    x.dispose();
  });

  it("normalize gives (x - mean) / std per channel", async () => {
    await useTestBackend(backend);
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    const expected = [0, 0, -0.25, 1.5, 6, 0.5];
    await expectNoLeak(async () => {
      const out = normalize(x, { mean: [1, 2, 4], std: [2, 0.5, 4] });
      (await out.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      out.dispose();
    });
    x.dispose();
  });
});

describe("random draws", () => {
  it("crop offsets cover 0 .. 2 * pad evenly and about half the images are flipped", () => {
    const draw = drawCropFlip(9000, 4, true, uniformGenerator(hashSeed(1, 2, 3)));
    const counts = new Array(9).fill(0);
    draw.top.forEach((t) => counts[t]++);
    draw.left.forEach((t) => counts[t]++);
    // 18000 draws over 9 offsets: 2000 each expected, binomial sd about 42.
    for (const count of counts) expect(Math.abs(count - 2000)).toBeLessThan(200);
    const flipped = draw.flip.reduce((a, b) => a + b, 0);
    expect(Math.abs(flipped - 4500)).toBeLessThan(250);
    expect(drawCropFlip(100, 4, false, uniformGenerator(7)).flip.every((f) => f === 0)).toBe(true);
  });

  it("the same (seed, epoch, step) gives the same draws; another step gives others", () => {
    const a = drawCropFlip(64, 4, true, uniformGenerator(hashSeed(42, 3, 17)));
    const b = drawCropFlip(64, 4, true, uniformGenerator(hashSeed(42, 3, 17)));
    const c = drawCropFlip(64, 4, true, uniformGenerator(hashSeed(42, 3, 18)));
    expect(a).toEqual(b);
    expect(Array.from(a.top)).not.toEqual(Array.from(c.top));
  });

  it("permutation holds every index once", () => {
    const order = permutation(1000, uniformGenerator(9));
    expect(Array.from(order).sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(order.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe("augment option", () => {
  it("rejects bad values naming the option, the value and what is accepted", () => {
    expect(() => resolveAugment({ padCrop: -1 }, 3)).toThrow("augment.padCrop must be an integer >= 0 (pixels of padding; the paper uses 4); got -1");
    expect(() => resolveAugment({ flip: "yes" }, 3)).toThrow('augment.flip must be true or false; got "yes"');
    expect(() => resolveAugment({ normalize: { mean: [0, 0], std: [1, 1] } }, 3)).toThrow(
      "augment.normalize.mean must be 3 finite numbers (one per channel of data.x); got [0,0]",
    );
    expect(() => resolveAugment({ normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }, 3)).toThrow("augment.normalize.std must be > 0");
    expect(() => resolveAugment({ crop: 4 }, 3)).toThrow("augment.crop is not an option of augment; accepted: padCrop, flip, normalize");
    expect(resolveAugment(false, 3)).toBeUndefined();
  });
});
