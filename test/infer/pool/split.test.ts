import { describe, expect, it } from "vitest";
import { splitBatch } from "../../../src/infer/pool/split.js";

describe("splitBatch", () => {
  it("cuts 10 images in 4 parts as 3, 3, 2, 2, contiguous from 0", () => {
    expect(splitBatch(10, 4)).toEqual([
      { start: 0, count: 3 },
      { start: 3, count: 3 },
      { start: 6, count: 2 },
      { start: 8, count: 2 },
    ]);
  });

  it("gives one chunk per image when the batch is smaller than the parts", () => {
    expect(splitBatch(2, 4)).toEqual([
      { start: 0, count: 1 },
      { start: 1, count: 1 },
    ]);
    expect(splitBatch(1, 2)).toEqual([{ start: 0, count: 1 }]);
  });

  it("covers every image once, in order, in chunks whose sizes differ by at most one", () => {
    for (let size = 1; size <= 40; size++) {
      for (let parts = 1; parts <= 9; parts++) {
        const chunks = splitBatch(size, parts);
        expect(chunks.length).toBe(Math.min(size, parts));
        let next = 0;
        for (const chunk of chunks) {
          expect(chunk.start).toBe(next);
          next += chunk.count;
        }
        expect(next).toBe(size);
        const counts = chunks.map((chunk) => chunk.count);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        expect(Math.min(...counts)).toBe(Math.floor(size / chunks.length));
      }
    }
  });
});
