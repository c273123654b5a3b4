import { describe, expect, it } from "vitest";
import { assembleConvKernel } from "../../../scripts/assembleConvKernel.js";
import { CONV_KERNEL_BASE64 } from "../../../src/infer/fastConv/kernelBinary.js";

describe("the committed convolution kernel binary", () => {
  it("is the assembly of kernelSource.ts (run `npm run build:kernel` after editing it)", async () => {
    const assembled = Buffer.from(await assembleConvKernel()).toString("base64");
    expect(CONV_KERNEL_BASE64).toBe(assembled);
  });
});
