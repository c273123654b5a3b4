import { execFileSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { fuse } from "../../../src/infer/fuse/index.js";
import { resnet } from "../../../src/models/resnet.js";
import { useTestBackend } from "../../helpers/tf.js";
import { expectFusedEqualsPredict, perturbed } from "./compare.js";

const LOGITS = { classes: 10, classifierActivation: "linear" } as const;

describe("fuse(model, { kernels })", () => {
  it("'auto' picks resnet-blocks' kernel on wasm and tfjs's on cpu", async () => {
    await useTestBackend("wasm");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    const onWasm = fuse(model);
    expect(onWasm.kernels).toBe("resnet-blocks");
    onWasm.dispose();
    await useTestBackend("cpu");
    const onCpu = fuse(model);
    expect(onCpu.kernels).toBe("tfjs");
    onCpu.dispose();
    model.dispose();
  });

  it("'resnet-blocks' where the kernel cannot run throws, saying why", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    const before = tf.memory().numTensors;
    expect(() => fuse(model, { kernels: "resnet-blocks" })).toThrow(/options\.kernels is "resnet-blocks" but .*the active backend is 'cpu', not 'wasm'/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("rejects an unknown choice, naming the option, the value and the accepted ones", async () => {
    await useTestBackend("cpu");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    expect(() => fuse(model, { kernels: "xnnpack" as never })).toThrow(/options\.kernels must be one of "auto", "tfjs", "resnet-blocks"; got "xnnpack"/);
    model.dispose();
  });

  it("a model on resnet-blocks' kernel refuses to run after the backend changes", async () => {
    await useTestBackend("wasm");
    const model = resnet({ depth: 18, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    const fused = fuse(model, { kernels: "resnet-blocks" });
    await useTestBackend("cpu");
    tf.tidy(() => {
      expect(() => fused.predict(tf.zeros([1, 32, 32, 3]))).toThrow(/runs resnet-blocks' wasm kernel but the active backend is now 'cpu'/);
    });
    await useTestBackend("wasm");
    fused.dispose();
    model.dispose();
  });

  it("on resnet-blocks' kernel, each residual sum and its ReLU run inside one of the block's convolutions", async () => {
    await useTestBackend("wasm");
    const model = resnet({ depth: 50, inputShape: [32, 32, 3], ...LOGITS, seed: 1 });
    const fused = fuse(model, { kernels: "resnet-blocks" });
    const kinds = fused.steps.map((step) => step.kind);
    expect(kinds).not.toContain("add");
    const convLayers = model.layers.filter((layer) => layer.getClassName() === "Conv2D");
    expect(kinds.filter((kind) => kind === "conv")).toHaveLength(convLayers.length);
    const stepOf = (layer: string) => fused.steps.find((step) => step.layers.includes(layer))!;
    // A projection block: the shortcut's convolution (computed last) takes the main branch as its residual.
    expect(stepOf("conv2_block1_add").layers).toEqual(["conv2_block1_0_conv", "conv2_block1_0_bn", "conv2_block1_add", "conv2_block1_out"]);
    // An identity block: the third convolution takes the block's input.
    expect(stepOf("conv2_block2_add").layers).toEqual(["conv2_block2_3_conv", "conv2_block2_3_bn", "conv2_block2_add", "conv2_block2_out"]);
    const covered = fused.steps.flatMap((step) => step.layers).sort();
    const all = model.layers.filter((layer) => layer.getClassName() !== "InputLayer").map((layer) => layer.name);
    expect(covered).toEqual(all.sort());
    fused.dispose();
    model.dispose();
  });

  it("ResNet-50 at 224x224, batch 3: resnet-blocks' kernel equals model.predict", async () => {
    await useTestBackend("wasm");
    const model = perturbed(resnet({ depth: 50, ...LOGITS, seed: 5 }));
    await expectFusedEqualsPredict(model, { batch: 3, options: { kernels: "resnet-blocks", warmUp: true } });
    model.dispose();
  });

  it("without relaxed SIMD (Node 20 without the flag), 'auto' falls back to tfjs's kernels and 'resnet-blocks' explains", () => {
    const nodeMajor = Number(process.versions.node.split(".")[0]);
    if (nodeMajor >= 22) return; // relaxed SIMD cannot be turned off there
    const script = `
      import "@tensorflow/tfjs-backend-wasm";
      import * as tf from "@tensorflow/tfjs-core";
      import { fuse, resnet } from "./src/index.ts";
      tf.env().set("IS_TEST", true);
      await tf.setBackend("wasm");
      const model = resnet({ depth: 18, inputShape: [32, 32, 3], classes: 10, seed: 1 });
      const auto = fuse(model);
      let message = "";
      try { fuse(model, { kernels: "resnet-blocks" }); } catch (error) { message = error.message; }
      console.log(JSON.stringify({ auto: auto.kernels, message }));
    `;
    const output = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8" });
    const result = JSON.parse(output.trim().split("\n").pop()!) as { auto: string; message: string };
    expect(result.auto).toBe("tfjs");
    expect(result.message).toMatch(/lacks WebAssembly relaxed SIMD .*--experimental-wasm-relaxed-simd/);
  });
});
