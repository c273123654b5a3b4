/**
 * `fuse(model)`: fast inference for a built ResNet (batch norm folded into the convolutions,
 * fused convolution kernels with bias and ReLU).
 *
 * @example
 * ```ts
 * import { resnet18, fuse } from "resnet-blocks";
 * const fast = fuse(resnet18({ inputShape: [64, 64, 3], classes: 10 }));
 * ```
 *
 * @module
 */
export { fuse, type FuseOptions, type FusedModel } from "./fuse.js";
export type { ConvKernels } from "./plan.js";
export type { FusedStep, FusedStepKind } from "./steps.js";
