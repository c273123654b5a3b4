import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { count } from "../../src/count/count.js";
import { resnetSpec } from "../../src/arch/resnetSpec.js";
import type { Depth } from "../../src/arch/types.js";

/**
 * Multiply-adds of a Table 1 net at 224x224, derived from the table's arithmetic alone
 * (no code from src/): conv1, then per stage the blocks' convolutions at the stage's
 * output size, the first block's stride and the projection shortcut, then the fc.
 */
function table1Macs(depth: Depth, strideOn3x3: boolean): number {
  const blocks = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] }[depth];
  const bottleneck = depth >= 50;
  const sizes = [56, 28, 14, 7];
  const widths = [64, 128, 256, 512];
  let macs = 112 * 112 * 64 * 7 * 7 * 3; // conv1
  let channels = 64;
  for (let stage = 0; stage < 4; stage++) {
    const size = sizes[stage]!;
    const inSize = stage === 0 ? 56 : size * 2; // the first block of conv3_x..conv5_x halves the size
    const width = widths[stage]!;
    const out = bottleneck ? 4 * width : width;
    for (let block = 0; block < blocks[stage]!; block++) {
      const first = block === 0;
      const strided = first && stage > 0;
      if (bottleneck) {
        // 1x1 reduce: at the input size if the stride sits on the 3x3, else at the output size.
        const reduceSize = strided && strideOn3x3 ? inSize : size;
        macs += reduceSize * reduceSize * channels * width;
        macs += size * size * 9 * width * width;
        macs += size * size * width * out;
      } else {
        macs += size * size * 9 * channels * width;
        macs += size * size * 9 * width * width;
      }
      if (first && channels !== out) macs += size * size * channels * out; // projection shortcut (B)
      channels = out;
    }
  }
  return macs + channels * 1000; // fc
}

const PAPER_MACS: Record<Depth, number> = {
  18: 1_814_073_344,
  34: 3_663_761_408,
  50: 3_857_973_248,
  101: 7_570_194_432,
  152: 11_282_415_616,
};
const TORCHVISION_MACS: Partial<Record<Depth, number>> = { 50: 4_089_184_256, 101: 7_801_405_440, 152: 11_513_626_624 };
const TORCHVISION_PARAMS: Record<Depth, number> = {
  18: 11_689_512,
  34: 21_797_672,
  50: 25_557_032,
  101: 44_549_160,
  152: 60_192_808,
};
const DEPTHS: Depth[] = [18, 34, 50, 101, 152];

describe("count", () => {
  it.each(DEPTHS)("ResNet-%i MACs at 224 are exact to the unit (paper preset)", (depth) => {
    const report = count({ depth });
    expect(table1Macs(depth, false)).toBe(PAPER_MACS[depth]); // the derivation agrees with the published figure
    expect(report.macs).toBe(PAPER_MACS[depth]);
    expect(report.flops).toBe(2 * report.macs);
  });

  it.each([50, 101, 152] as Depth[])("ResNet-%i MACs with the stride on the 3x3 (torchvision) are exact", (depth) => {
    expect(table1Macs(depth, true)).toBe(TORCHVISION_MACS[depth]);
    expect(count({ depth, preset: "torchvision" }).macs).toBe(TORCHVISION_MACS[depth]);
  });

  it.each(DEPTHS)("ResNet-%i trainable parameters equal torchvision's", (depth) => {
    const params = count({ depth, preset: "torchvision" }).params;
    expect(params.trainable).toBe(TORCHVISION_PARAMS[depth]);
    expect(params.total).toBe(params.trainable + params.nonTrainable);
  });

  it("Keras preset ResNet50 has Keras's 25,636,712 parameters, 53,120 non-trainable", () => {
    const params = count({ depth: 50, preset: "keras" }).params;
    expect(params.total).toBe(25_636_712);
    expect(params.nonTrainable).toBe(53_120);
  });

  it("per-stage MMACs of torchvision ResNet-50 match fvcore/torchvision: 118.0 / 667.9 / 1027.6 / 1464.3 / 809.2, fc 2.0", () => {
    const stages = count({ depth: 50, preset: "torchvision" }).stages;
    const mmacs = stages.map((stage) => Number((stage.macs / 1e6).toFixed(1)));
    expect(mmacs).toEqual([118.0, 667.9, 1027.6, 1464.3, 809.2, 2.0]);
    expect(stages.map((s) => s.name)).toEqual(["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"]);
  });

  it("keeps non-MAC operations out of MACs and FLOPs, in extraFlops by category", () => {
    const report = count({ depth: 18 });
    const relu = report.layers.find((l) => l.name === "conv1_relu")!;
    expect(relu.macs).toBe(0);
    expect(relu.extraFlops.activation).toBe(112 * 112 * 64);
    const bn = report.layers.find((l) => l.name === "conv1_bn")!;
    expect(bn.extraFlops.batchNorm).toBe(2 * 112 * 112 * 64);
    expect(bn.params).toEqual({ total: 256, trainable: 128, nonTrainable: 128 });
    const add = report.layers.find((l) => l.name === "conv2_block1_add")!;
    expect(add.extraFlops.elementwise).toBe(56 * 56 * 64);
    const pool = report.layers.find((l) => l.name === "pool1_pool")!;
    expect(pool.extraFlops.pool).toBe(8 * 56 * 56 * 64);
    const top = report.layers.find((l) => l.name === "predictions")!;
    expect(top.macs).toBe(512 * 1000);
    expect(top.extraFlops).toMatchObject({ bias: 1000, softmax: 3000 });
    const sum = report.layers.reduce((total, layer) => total + layer.extraFlops.total, 0);
    expect(report.extraFlops.total).toBe(sum);
    expect(report.extraFlops.total).toBe(
      report.extraFlops.bias +
        report.extraFlops.batchNorm +
        report.extraFlops.activation +
        report.extraFlops.elementwise +
        report.extraFlops.pool +
        report.extraFlops.softmax,
    );
  });

  it("counts activations as conv and dense output elements", () => {
    const report = count({ depth: 18 });
    expect(report.layers.find((l) => l.name === "conv1_conv")!.activations).toBe(112 * 112 * 64);
    expect(report.layers.find((l) => l.name === "conv1_relu")!.activations).toBe(0);
  });

  it("accepts a resolved spec as well as options", () => {
    expect(count(resnetSpec({ depth: 34, residual: false })).macs).toBe(count({ depth: 34, residual: false }).macs);
    // Plain nets lack only the projections: 3 of them in a 34-layer net.
    const projections = 28 * 28 * 64 * 128 + 14 * 14 * 128 * 256 + 7 * 7 * 256 * 512;
    expect(count({ depth: 34 }).macs - count({ depth: 34, residual: false }).macs).toBe(projections);
  });

  it("scales with the input size", () => {
    // At 448x448 every conv's output has four times the positions; the fc does not grow.
    const at224 = count({ depth: 50 });
    const at448 = count({ depth: 50, inputShape: [448, 448, 3] });
    const fc = 2048 * 1000;
    expect(at448.macs - fc).toBe(4 * (at224.macs - fc));
  });
});

describe("count: exact or refused", () => {
  it("refuses a figure past Number.MAX_SAFE_INTEGER instead of rounding it", () => {
    const spec = resnetSpec({ depth: 18 });
    // A hand-made spec whose first convolution has 2^46 outputs: 2^46 x 147 MACs > 2^53.
    const layers = spec.layers.map((layer) => (layer.name === "conv1_conv" ? { ...layer, outputShape: [2 ** 22, 2 ** 18, 64] } : layer));
    expect(() => count({ ...spec, layers })).toThrow(
      new RangeError(
        `count: the MACs of conv1_conv (about ${(2 ** 46 * 147).toPrecision(4)}) exceed Number.MAX_SAFE_INTEGER (2^53 - 1), past which a count is not exact; count a smaller input`,
      ),
    );
    // Below the bound the figures are exact: the MACs equal a bigint sum of the same products.
    const big = resnetSpec({ depth: 152, inputShape: [8000, 8000, 3] });
    const report = count(big);
    let macs = 0n;
    for (const layer of big.layers) {
      const out = layer.outputShape.reduce((a, b) => a * BigInt(b), 1n);
      if (layer.kind === "conv") macs += out * BigInt(layer.kernel * layer.kernel * layer.channelsIn);
      if (layer.kind === "dense") macs += BigInt(layer.unitsIn * layer.units);
    }
    expect(macs > 2n ** 40n).toBe(true);
    expect(BigInt(report.macs)).toBe(macs);
  });

  it("validates a hand-made spec: negative or fractional sizes are an error, not negative MACs", () => {
    const spec = resnetSpec({ depth: 18 });
    const negative = spec.layers.map((layer) => (layer.name === "conv1_conv" && layer.kind === "conv" ? { ...layer, channelsIn: -3 } : layer));
    expect(() => count({ ...spec, layers: negative })).toThrow(
      new RangeError("spec.layers[2] (conv1_conv): channelsIn must be an integer >= 1; got -3"),
    );
    const shape = spec.layers.map((layer) => (layer.name === "conv2_block1_out" ? { ...layer, outputShape: [56, -56, 64] } : layer));
    expect(() => count({ ...spec, layers: shape })).toThrow(/^spec\.layers\[\d+\] \(conv2_block1_out\): outputShape must be a list of integers >= 1; got \[56,-56,64\]$/);
    const kind = spec.layers.map((layer, index) => (index === 3 ? { ...layer, kind: "conv3d" } : layer));
    expect(() => count({ ...spec, layers: kind as never })).toThrow(/^spec\.layers\[3\] \(.+\): kind must be one of /);
  });
});

describe("resnet-blocks/count entry", () => {
  it("loads no @tensorflow module", () => {
    const script = `
      const { count } = await import(${JSON.stringify(new URL("../../src/count/index.ts", import.meta.url).href)});
      const loaded = Object.keys((await import("node:module")).default._cache ?? {});
      console.log(JSON.stringify({ macs: count({ depth: 50 }).macs, loaded }));
    `;
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, NODE_DEBUG: "" },
    });
    const result = JSON.parse(output.trim().split("\n").at(-1)!);
    expect(result.macs).toBe(PAPER_MACS[50]);
    expect(result.loaded.filter((path: string) => path.includes("@tensorflow"))).toEqual([]);
  });
});
