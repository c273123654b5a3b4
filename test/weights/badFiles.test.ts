import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resnet } from "../../src/models/resnet.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
  WeightsError,
  WeightsFileError,
  type LoadOptions,
  type SafetensorsTensor,
} from "../../src/weights/index.js";
import { perturbWeights, useTestBackend } from "../helpers/tf.js";
import { expectWeights, snapshotWeights } from "./helpers.js";

const build = (classes = 10, seed = 1) =>
  resnet({ depth: 18, preset: "torchvision", inputShape: [32, 32, 3], classes, seed });

let model: tfl.LayersModel;
let original: Map<string, Float32Array>;
let good: Uint8Array; // the weights of another ResNet-18, torchvision layout
let tensors: SafetensorsTensor[];

beforeAll(async () => {
  await useTestBackend("cpu");
  model = build();
  perturbWeights(model, 100);
  original = snapshotWeights(model);
  const other = build(10, 2);
  good = await saveSafetensors(other, { layout: "torchvision" });
  other.dispose();
  tensors = decodeSafetensors(good).tensors;
});

afterAll(() => model.dispose());

/** The same file with `edit` applied to its tensors. */
function rewrite(edit: (tensors: SafetensorsTensor[]) => SafetensorsTensor[]): Uint8Array {
  return encodeSafetensors(edit(tensors.map((t) => ({ ...t }))));
}

/** The file `good` with its JSON header replaced by `edit(header)` (data unchanged). */
function editHeader(edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>) => void): Uint8Array {
  const length = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + length)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + good.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(good.subarray(8 + length), 8 + json.length);
  return out;
}

/** Loading `bytes` throws `type` matching every one of `messages`, and changes nothing. */
function expectRefused(
  bytes: Uint8Array,
  type: typeof WeightsError | typeof WeightsFileError,
  messages: RegExp[],
  options: LoadOptions = { layout: "torchvision" },
): void {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    loadSafetensors(model, bytes, options);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(type);
  for (const message of messages) expect((error as Error).message).toMatch(message);
  expect(tf.memory().numTensors).toBe(before);
  expectWeights(model, original);
}

describe("loadSafetensors refuses weights that do not fit, and changes nothing", () => {
  it("a missing tensor", () => {
    const bytes = rewrite((ts) => ts.filter((t) => t.name !== "fc.bias"));
    expectRefused(bytes, WeightsError, [
      /model "resnet18" \(layout "torchvision"\); 1 problem, the model's weights are unchanged/,
      /missing tensor "fc\.bias" for predictions\/bias, shape \[10\]/,
    ]);
  });

  it("an extra tensor", () => {
    const bytes = rewrite((ts) => [...ts, { name: "layer5.0.conv1.weight", dtype: "F32", shape: [2, 2], data: new Uint8Array(16) }]);
    expectRefused(bytes, WeightsError, [/extra tensor "layer5\.0\.conv1\.weight" \[2, 2\]: the model has no weight of this name/]);
  });

  it("a shape mismatch, with both shapes", async () => {
    const five = build(5, 3);
    const bytes = await saveSafetensors(five, { layout: "torchvision" });
    five.dispose();
    expectRefused(bytes, WeightsError, [
      /2 problems/,
      /shape mismatch for tensor "fc\.weight" \(predictions\/kernel\): the file has \[5, 512\], the model needs \[10, 512\]/,
      /shape mismatch for tensor "fc\.bias" \(predictions\/bias\): the file has \[5\], the model needs \[10\]/,
    ]);
  });

  it.each(["I32", "F64", "I64"])("a wrong dtype (%s)", (dtype) => {
    const bytes = rewrite((ts) =>
      ts.map((t) => {
        if (t.name !== "conv1.weight") return t;
        const data = new Uint8Array(dtype === "I32" ? t.data.length : t.data.length * 2);
        return { ...t, dtype, data };
      }),
    );
    expectRefused(bytes, WeightsError, [
      new RegExp(`wrong dtype for tensor "conv1\\.weight" \\(conv1_conv/kernel\\): ${dtype}; weights are read from float32, float16 or bfloat16`),
    ]);
  });

  it("several problems at once, all listed", () => {
    const bytes = rewrite((ts) =>
      ts.filter((t) => !t.name.startsWith("layer4.1.")).concat({ name: "extra", dtype: "BOOL", shape: [1], data: new Uint8Array(1) }),
    );
    expectRefused(bytes, WeightsError, [/11 problems/, /missing tensor "layer4\.1\.bn2\.running_var"/, /extra tensor "extra"/]);
  });

  it("the wrong layout, with a hint", async () => {
    const native = await saveSafetensors(model, { layout: "native" });
    expectRefused(native, WeightsError, [/No tensor name matched: the file has "conv1_conv\/kernel".*Is the layout/s]);
  });

  it("a file of another net (ResNet-34 into ResNet-18)", async () => {
    const deeper = resnet({ depth: 34, preset: "torchvision", inputShape: [32, 32, 3], classes: 10, seed: 5 });
    const bytes = await saveSafetensors(deeper, { layout: "torchvision" });
    deeper.dispose();
    expectRefused(bytes, WeightsError, [/extra tensor "layer1\.2\.conv1\.weight"/]);
  });

  it("a projection shortcut file into an option-A model", async () => {
    const optionA = resnet({ depth: 18, shortcut: "A", preset: "torchvision", inputShape: [32, 32, 3], classes: 10 });
    const before = snapshotWeights(optionA);
    expect(() => loadSafetensors(optionA, good, { layout: "torchvision" })).toThrow(
      /extra tensor "layer2\.0\.downsample\.0\.weight" \[128, 64, 1, 1\]/,
    );
    expectWeights(optionA, before);
    optionA.dispose();
  });
});

describe("loadSafetensors refuses broken files, and changes nothing", () => {
  const data = (bytes: Uint8Array) => bytes.length;
  it.each([
    ["truncated in the data", () => good.subarray(0, data(good) - 1000), /tensor "fc\.\w+" has data_offsets .* past the end of the data .* truncated/],
    ["truncated in the header", () => good.subarray(0, 100), /header length field says \d+ bytes, but only 92 bytes follow it: the file is truncated/],
    ["truncated to nothing", () => good.subarray(0, 3), /the file is 3 bytes, too short/],
    ["a header that is not JSON", () => editHeaderText('{"conv1.weight": {'), /the header is not valid JSON/],
    ["a header length past the end", () => {
      const bytes = good.slice();
      new DataView(bytes.buffer).setBigUint64(0, BigInt(bytes.length), true);
      return bytes;
    }, /header length field says \d+ bytes, but only \d+ bytes follow it/],
    ["overlapping offsets", () => editHeader((h) => {
      h["bn1.bias"]!.data_offsets = h["bn1.weight"]!.data_offsets.slice();
    }), /tensors "bn1\.(weight|bias)" \(bytes \d+ to \d+\) and "bn1\.(weight|bias)" \(bytes \d+ to \d+\) overlap/],
    ["offsets out of range", () => editHeader((h) => {
      const [begin, end] = h["fc.bias"]!.data_offsets as [number, number];
      h["fc.bias"]!.data_offsets = [begin + 1e9, end + 1e9];
    }), /tensor "fc\.bias" has data_offsets \[\d+, \d+\], past the end of the data/],
    ["offsets that do not fit the shape", () => editHeader((h) => {
      h["conv1.weight"]!.shape = [64, 3, 7, 8];
    }), /tensor "conv1\.weight": F32 \[64, 3, 7, 8\] needs 43008 bytes, but data_offsets \[\d+, \d+\] hold 37632/],
  ])("%s", (_, bytes, message) => {
    expectRefused((bytes as () => Uint8Array)(), WeightsFileError, [message as RegExp]);
  });

  function editHeaderText(text: string): Uint8Array {
    const json = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + json.length + 64);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    return out;
  }
});

describe("loadSafetensors options", () => {
  it("skips num_batches_tracked by name and reports it", () => {
    const counter = new Uint8Array(8);
    const bytes = rewrite((ts) => [...ts, { name: "bn1.num_batches_tracked", dtype: "I64", shape: [], data: counter }]);
    const fresh = build(10, 9);
    const result = loadSafetensors(fresh, bytes, { layout: "torchvision" });
    expect(result.ignored).toEqual(["bn1.num_batches_tracked"]);
    expect(result.loaded).toBe(fresh.weights.length);
    fresh.dispose();
  });

  it("drops a prefix ('module.' of DataParallel)", () => {
    const bytes = rewrite((ts) => ts.map((t) => ({ ...t, name: `module.${t.name}` })));
    const fresh = build(10, 9);
    expect(loadSafetensors(fresh, bytes, { layout: "torchvision", prefix: "module." }).loaded).toBe(fresh.weights.length);
    expect(() => loadSafetensors(fresh, bytes, { layout: "torchvision" })).toThrow(/extra tensor "module\.conv1\.weight"/);
    fresh.dispose();
  });

  it("ignoreExtra loads a full checkpoint into a model without the top", () => {
    const backbone = resnet({ depth: 18, preset: "torchvision", inputShape: [32, 32, 3], includeTop: false });
    expect(() => loadSafetensors(backbone, good, { layout: "torchvision" })).toThrow(/extra tensor "fc\.weight"/);
    const result = loadSafetensors(backbone, good, { layout: "torchvision", ignoreExtra: true });
    expect(result.ignored.sort()).toEqual(["fc.bias", "fc.weight"]);
    backbone.dispose();
  });

  it("rejects bad arguments by name", () => {
    expect(() => loadSafetensors(model, good, { layout: "pytorch" as never })).toThrow(
      'options.layout must be one of "native", "torchvision", "keras"; got "pytorch"',
    );
    expect(() => loadSafetensors({} as never, good)).toThrow(/model must be a tfjs-layers LayersModel; got \{\}/);
    expect(() => loadSafetensors(model, good, { ignoreExtra: "yes" as never })).toThrow(/options.ignoreExtra must be true or false/);
    expectWeights(model, original);
  });

  it("the torchvision layout refuses a layer it has no name for", async () => {
    const input = tfl.input({ shape: [4] });
    const custom = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, name: "head" }).apply(input) as tfl.SymbolicTensor });
    await expect(saveSafetensors(custom, { layout: "torchvision" })).rejects.toThrow(/head\/kernel \(a Dense layer\) has no torchvision name/);
    const native = await saveSafetensors(custom, { layout: "native" });
    expect(decodeSafetensors(native).tensors.map((t) => t.name)).toEqual(["head/kernel", "head/bias"]);
    custom.dispose();
  });
});
