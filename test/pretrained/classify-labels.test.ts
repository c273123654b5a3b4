/** The shipped ImageNet labels equal torchvision's, read live from Debian's python3-torchvision. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { IMAGENET_LABELS } from "../../src/pretrained/labels/imagenetLabels.js";
import { findTorchPython } from "../weights/helpers.js";

const python = findTorchPython();
const skip = python === undefined && process.env.RESNET_BLOCKS_SKIP_TORCH === "1";

describe.skipIf(skip)("IMAGENET_LABELS", () => {
  it("are torchvision's _IMAGENET_CATEGORIES, in order", async () => {
    if (!python) throw new Error("this test needs torchvision: apt-get install python3-torchvision (or set RESNET_BLOCKS_SKIP_TORCH=1)");
    const { stdout } = await promisify(execFile)(
      python,
      ["-c", "import json; from torchvision.models._meta import _IMAGENET_CATEGORIES as c; print(json.dumps(c))"],
      { timeout: 60_000 },
    );
    const torchvision = JSON.parse(stdout) as string[];
    expect(torchvision).toHaveLength(1000);
    expect([...IMAGENET_LABELS]).toEqual(torchvision);
    expect(Object.isFrozen(IMAGENET_LABELS)).toBe(true);
  }, 60_000);
});
