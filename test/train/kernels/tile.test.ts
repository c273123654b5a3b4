import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { registerWasmTrainingKernels } from "../../../src/train/kernels/index.js";
import { useTestBackend } from "../../helpers/tf.js";

// Tile is a copy: the replacement must give exactly (bit for bit) what the definition
// out[i_0, ..., i_r] = x[i_0 mod s_0, ..., i_r mod s_r] gives, and what the cpu backend gives.

let original: tf.KernelConfig;
beforeAll(async () => {
  await useTestBackend("wasm");
  original = tf.getKernel(tf.Tile, "wasm");
  registerWasmTrainingKernels({ replaceSlowKernels: true });
});

function tiledByDefinition(x: ArrayLike<number>, shape: number[], reps: number[]): number[] {
  const outShape = shape.map((s, d) => s * reps[d]!);
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let source = 0;
    let inStride = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const index = rest % outShape[d]!;
      rest = Math.floor(rest / outShape[d]!);
      source += (index % shape[d]!) * inStride;
      inStride *= shape[d]!;
    }
    out.push(x[source]!);
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [[1, 1, 1, 5], [3, 4, 2, 1]], // the batch-norm gradient's per-channel vector over [n, h, w]
  [[1, 1, 1, 64], [8, 4, 4, 1]],
  [[2, 3], [2, 2]],
  [[2, 3], [1, 1]],
  [[7], [4]],
  [[2, 1, 3, 1, 2], [1, 3, 1, 2, 2]],
  [[3, 2], [0, 2]],
  [[], []],
];

describe("Tile on wasm (replaceSlowKernels)", () => {
  it("is this library's kernel, not the backend's", () => {
    expect(tf.getKernel(tf.Tile, "wasm")).not.toBe(original);
  });

  it.each(CASES.flatMap(([shape, reps]) => (["float32", "int32", "bool"] as const).map((dtype) => [JSON.stringify(shape), JSON.stringify(reps), dtype, shape, reps] as const)))(
    "shape %s reps %s %s: equals the definition and the cpu backend exactly",
    async (_, __, dtype, shape, reps) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: size }, (_, i) => (dtype === "bool" ? i % 3 === 1 : dtype === "int32" ? i * 7 - 20 : i * 0.37 - 1.1));
      const results: Record<string, number[]> = {};
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        const x = tf.tensor(values as number[] | boolean[], shape, dtype);
        const dataIds = tf.backend().numDataIds();
        const y = tf.tile(x, reps);
        expect(tf.backend().numDataIds()).toBe(dataIds + 1);
        expect(y.dtype).toBe(dtype);
        expect(y.shape).toEqual(shape.map((s, d) => s * reps[d]!));
        results[backend] = Array.from(await y.data());
        tf.dispose([x, y]);
      }
      const stored = dtype === "float32" ? Float32Array.from(values.map(Number)) : values.map(Number);
      const expected = tiledByDefinition(stored, shape, reps);
      expect(results.wasm).toEqual(expected);
      expect(results.cpu).toEqual(expected);
    },
  );
});
