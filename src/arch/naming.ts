/**
 * Layer names, Keras style, made from where a layer sits: its stage, block and unit. Names
 * are derived from these fields and never parsed back, except by {@link placeOfLayerName}
 * for models that come from elsewhere (a Keras file, a tfjs `model.json`), which carry only
 * names.
 *
 * @module
 */
import type { LayerKind, StageName } from "./types.js";

/** The stages that hold blocks, in order: `conv2_x` is stage number 2. */
export const BLOCK_STAGES = ["conv2_x", "conv3_x", "conv4_x", "conv5_x"] as const;

/** A stage that holds blocks. */
export type BlockStageName = (typeof BLOCK_STAGES)[number];

/** Where a layer sits: stage, block (from 1) and unit (0 for the projection shortcut, 1-3 for the branch). */
export interface LayerPlace {
  /** Stage of Table 1. */
  stage: StageName;
  /** Block of the stage, from 1; `null` outside the blocks. */
  block: number | null;
  /** Unit of the block; `null` for the block's own layers and outside the blocks. */
  unit: number | null;
}

/** Keras's stage number of a block stage: `conv3_x` is 3. */
export function stageNumber(stage: BlockStageName): number {
  return BLOCK_STAGES.indexOf(stage) + 2;
}

const BLOCK_LAYER_NAME = /^conv([2-5])_block([1-9]\d*)_(?:([0-3])_)?/;

/**
 * The place of a layer named as this library (and Keras Applications) name them, for models
 * that carry only names; `null` for names that follow no such pattern.
 *
 * @example
 * ```ts
 * import { placeOfLayerName } from "resnet-blocks/count";
 * placeOfLayerName("conv3_block2_0_bn"); // { stage: "conv3_x", block: 2, unit: 0 }
 * placeOfLayerName("conv1_relu");        // { stage: "conv1", block: null, unit: null }
 * ```
 */
export function placeOfLayerName(name: string): LayerPlace | null {
  if (name === "input" || name.startsWith("conv1_")) return { stage: "conv1", block: null, unit: null };
  if (name.startsWith("pool1_")) return { stage: "conv2_x", block: null, unit: null };
  if (name.startsWith("post_")) return { stage: "conv5_x", block: null, unit: null };
  const match = BLOCK_LAYER_NAME.exec(name);
  if (match) {
    const [, stage, block, unit] = match;
    return { stage: BLOCK_STAGES[Number(stage) - 2]!, block: Number(block), unit: unit === undefined ? null : Number(unit) };
  }
  if (name === "avg_pool" || name === "max_pool" || name === "predictions") return { stage: "head", block: null, unit: null };
  return null;
}

/**
 * The torchvision (and timm) module path of a layer with weights: `conv1`, `bn1`,
 * `layer1.0.conv2`, `layer2.0.downsample.0` (projection conv), `layer2.0.downsample.1` (its
 * batch norm), `fc`; `undefined` where torchvision's ResNet has no such module (a
 * pre-activation layer, say).
 *
 * @param kind The layer's kind: `conv`, `batchNorm` or `dense`.
 */
export function torchvisionModule(place: LayerPlace, kind: LayerKind): string | undefined {
  if (place.stage === "conv1" && place.block === null) return kind === "conv" ? "conv1" : kind === "batchNorm" ? "bn1" : undefined;
  if (place.stage === "head") return kind === "dense" ? "fc" : undefined;
  if (place.block === null || place.unit === null || (kind !== "conv" && kind !== "batchNorm")) return undefined;
  const prefix = `layer${stageNumber(place.stage as BlockStageName) - 1}.${place.block - 1}`;
  if (place.unit === 0) return `${prefix}.downsample.${kind === "conv" ? 0 : 1}`;
  return `${prefix}.${kind === "conv" ? "conv" : "bn"}${place.unit}`;
}
