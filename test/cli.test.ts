import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { resnet18 } from "../src/models/resnet.js";
import { saveSafetensors } from "../src/weights/index.js";
import { useTestBackend } from "./helpers/tf.js";

// The built bin, as users run it (npm test builds dist/ first).
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });

describe("resnet-blocks CLI", () => {
  it("summary --json gives torchvision ResNet-50's published per-stage MMACs", () => {
    const result = run("summary", "resnet50", "--preset", "torchvision", "--json");
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.macs).toBe(4_089_184_256);
    expect(report.params.trainable).toBe(25_557_032);
    expect(report.stages.map((s: { macs: number }) => Number((s.macs / 1e6).toFixed(1)))).toEqual([
      118.0, 667.9, 1027.6, 1464.3, 809.2, 2.0,
    ]);
  });

  it("summary prints a per-stage table with output shapes", () => {
    const result = run("summary", "plain34", "--input", "64");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\| conv5_x +\| 2x2x512 +\|/);
    expect(result.stdout).toMatch(/^plain34, input 64x64x3$/m);
  });

  it("--help lists the commands", () => {
    const result = run("--help");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("resnet-blocks summary <model>");
    expect(result.stdout).toContain("resnet-blocks table1");
  });

  it.each([
    [["summary", "resnet42"], /model must be one of resnet18, .*; got "resnet42"/],
    [["summary", "resnet18", "--input", "16"], /inputShape must be .*got \[16,16,3\]/],
    [["summary", "resnet18", "--preset", "caffe"], /preset must be one of "paper", "keras", "torchvision"; got "caffe"/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [[], /a command is needed/],
  ])("%o fails with exit code 2 and says why", (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("--help");
  });
});

describe("resnet-blocks convert", () => {
  it("turns a safetensors file into a tfjs model directory", async () => {
    await useTestBackend("cpu");
    const dir = mkdtempSync(join(tmpdir(), "resnet-blocks-cli-"));
    try {
      const model = resnet18({ inputShape: [32, 32, 3], classes: 10, preset: "torchvision", seed: 1 });
      writeFileSync(join(dir, "in.safetensors"), await saveSafetensors(model, { layout: "torchvision" }));
      model.dispose();
      const result = run("convert", join(dir, "in.safetensors"), join(dir, "out"), "--from", "torchvision", "--depth", "18", "--input", "32");
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^wrote .*model\.json and (\d+) shard\(s\): resnet18 \(residual, preset torchvision, 10 classes\)/);
      const modelJson = JSON.parse(readFileSync(join(dir, "out", "model.json"), "utf8"));
      const shards = modelJson.weightsManifest.flatMap((group: { paths: string[] }) => group.paths);
      expect(Number(/and (\d+) shard/.exec(result.stdout)![1])).toBe(shards.length);
      expect(modelJson.modelTopology.config.layers.length).toBeGreaterThan(50);
      for (const group of modelJson.weightsManifest) for (const path of group.paths) expect(existsSync(join(dir, "out", path))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says what is wrong with its arguments", () => {
    const result = run("convert", "in.safetensors", "out", "--from", "torch", "--depth", "18");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--from must be one of "native", "torchvision", "keras"; got "torch"/);
  });
});

describe("docs/table1.md", () => {
  it("is what `resnet-blocks table1` prints now (regenerate with npm run table1)", () => {
    const fresh = execFileSync(process.execPath, [CLI, "table1"], { encoding: "utf8" });
    const committed = readFileSync(new URL("../docs/table1.md", import.meta.url), "utf8");
    expect(committed).toBe(fresh);
  });

  it("shows the paper's FLOPs beside the computed multiply-adds", () => {
    const committed = readFileSync(new URL("../docs/table1.md", import.meta.url), "utf8");
    for (const figure of ["1.8×10⁹", "11.3×10⁹", "1.814", "3.664", "3.858", "7.570", "11.282", "4.089", "11,689,512", "60,192,808"]) {
      expect(committed).toContain(figure);
    }
  });
});
