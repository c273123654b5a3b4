/**
 * timm-format checkpoints made by PyTorch at test time (scripts/make-timm-fixture.py):
 * torchvision ResNets with random weights and randomised batch-norm statistics, with a
 * timm config.json, and a fixed input with PyTorch's logits.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findTorchPython, readTorchIo } from "../weights/helpers.js";

const run = promisify(execFile);

/** The generator script. */
export const TIMM_GENERATOR = new URL("../../scripts/make-timm-fixture.py", import.meta.url).pathname;

/** A Python with torch and torchvision, or undefined. */
export const torchPython = findTorchPython();

/** Whether the torch-backed tests are skipped (no PyTorch and RESNET_BLOCKS_SKIP_TORCH=1). */
export const skipTorch = torchPython === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";

/** One checkpoint to make. */
export interface FixtureSpec {
  depth: 18 | 34 | 50 | 101 | 152;
  tag: string;
  size: readonly [number, number];
  batch: number;
  interpolation?: "bilinear" | "bicubic";
  cropPct?: number;
  /** Also PNG images, torchvision's preprocessing of them and the logits. */
  images?: boolean;
}

/** Makes the checkpoints in a new temporary folder and returns the folder. */
export async function makeTimmFixtures(specs: readonly FixtureSpec[]): Promise<string> {
  if (!torchPython) {
    throw new Error("these tests need PyTorch: apt-get install python3-torch python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
  }
  const dir = mkdtempSync(join(tmpdir(), "resnet-blocks-timm-"));
  await Promise.all(
    specs.map((s) =>
      run(torchPython, [
        TIMM_GENERATOR, "--depth", `${s.depth}`, "--tag", s.tag, "--size", `${s.size[0]}`, `${s.size[1]}`, "--batch", `${s.batch}`,
        "--interpolation", s.interpolation ?? "bicubic", "--crop-pct", `${s.cropPct ?? 0.95}`, ...(s.images ? ["--images"] : []), "--out", dir,
      ]),
    ),
  );
  return dir;
}

/** The files of checkpoint `name` (`resnet18.a1_in1k`) in `dir`, for the Hub server. */
export function repoFiles(dir: string, name: string): Record<string, Uint8Array> {
  return {
    "config.json": new Uint8Array(readFileSync(join(dir, name, "config.json"))),
    "model.safetensors": new Uint8Array(readFileSync(join(dir, name, "model.safetensors"))),
  };
}

/** The PNG files made with `images: true`, in the order of their logits. */
export function fixtureImages(dir: string, name: string): string[] {
  return ["landscape-rgb.png", "portrait-grey.png", "square-rgba.png"].map((file) => join(dir, `${name}.images`, file));
}

/** PyTorch's input (as NHWC) and logits of checkpoint `name`, and those of its images when made. */
export const torchIo = readTorchIo;
