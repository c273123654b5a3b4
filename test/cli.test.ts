import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The built bin, as users run it (npm test builds dist/ first).
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
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
