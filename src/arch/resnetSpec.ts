/**
 * `resnetSpec(options)`: Table 1 (and its pre-activation, wide and ResNeXt variants) as a
 * stem, a stage table and a head, resolved into every layer by `describeNet`.
 *
 * @module
 */
import { describeNet, type NetDescription, type StageRow } from "./describeNet.js";
import { BLOCK_STAGES } from "./naming.js";
import { resolveResNetOptions } from "./resolveOptions.js";
import { STAGE_WIDTHS, STEM_CHANNELS, TABLE1 } from "./table1.js";
import type { ResNetOptions, ResNetSpec, ResolvedResNetOptions } from "./types.js";

/**
 * Resolves a ResNet or plain net of Table 1 into every layer: name, kind, kernel, stride,
 * padding, channels in and out, groups, and output size, each placed in its stage, block and
 * unit. `resnet()` builds exactly these layers and `count()` counts them.
 *
 * @example
 * ```ts
 * const spec = resnetSpec({ depth: 50, preset: "torchvision" });
 * spec.stages.map((s) => s.outputShape); // [[112,112,64], [56,56,256], ..., [1000]]
 * resnetSpec({ depth: 50, preset: "keras", preactivation: true }).name; // "resnet50v2"
 * ```
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function resnetSpec(options: ResNetOptions): ResNetSpec<ResolvedResNetOptions> {
  const { options: resolved, conventions } = resolveResNetOptions(options);
  const column = TABLE1[resolved.depth];
  // The 2015 nets halve the size in the first block of conv3_x ... conv5_x; Keras's ResNetV2
  // in the last block of conv2_x ... conv4_x.
  const strides = resolved.preactivation ? [2, 2, 2, 1] : [1, 2, 2, 2];
  const stages: StageRow[] = BLOCK_STAGES.map((name, index) => ({
    name,
    blocks: column.blocks[index]!,
    width: STAGE_WIDTHS[index]!,
    stride: strides[index]!,
  }));
  const net: NetDescription = {
    inputShape: resolved.inputShape,
    stem: "imagenet",
    stemChannels: STEM_CHANNELS,
    block: column.block,
    residual: resolved.residual,
    preactivation: resolved.preactivation,
    groups: resolved.groups,
    widthPerGroup: resolved.widthPerGroup,
    stages,
    pooling: resolved.pooling,
    classes: resolved.includeTop ? resolved.classes : null,
    classifierActivation: resolved.classifierActivation,
    conventions,
  };
  return { options: resolved, name: netName(resolved), ...describeNet(net) };
}

/** `resnet50`, `plain34`, `resnet50v2`, `wide_resnet50_2`, `resnext50_32x4d`: torchvision's and Keras's names. */
function netName({ depth, residual, preactivation, groups, widthPerGroup }: ResolvedResNetOptions): string {
  const base = residual ? "resnet" : "plain";
  if (groups > 1) return `${residual ? "resnext" : "plain_resnext"}${depth}_${groups}x${widthPerGroup}d${preactivation ? "_v2" : ""}`;
  if (widthPerGroup !== 64) {
    const factor = widthPerGroup / 64;
    const wide = Number.isInteger(factor) ? `${factor}` : `w${widthPerGroup}`;
    return `wide_${base}${depth}_${wide}${preactivation ? "_v2" : ""}`;
  }
  return `${base}${depth}${preactivation ? "v2" : ""}`;
}
