import type { Depth } from "./types.js";

/** Which block a depth of Table 1 uses. */
export type BlockKind = "basic" | "bottleneck";

/** One column of Table 1. */
export interface Table1Column {
  /** Blocks in conv2_x, conv3_x, conv4_x, conv5_x. */
  blocks: readonly [number, number, number, number];
  /** Block type: two 3x3 convs (18, 34) or 1x1, 3x3, 1x1 (50, 101, 152). */
  block: BlockKind;
  /** The FLOPs row of Table 1 as printed (multiply-adds, in units of 1e9). */
  paperGFlops: number;
}

/** Table 1 of He et al. (2015), one column per depth. */
export const TABLE1: Readonly<Record<Depth, Table1Column>> = {
  18: { blocks: [2, 2, 2, 2], block: "basic", paperGFlops: 1.8 },
  34: { blocks: [3, 4, 6, 3], block: "basic", paperGFlops: 3.6 },
  50: { blocks: [3, 4, 6, 3], block: "bottleneck", paperGFlops: 3.8 },
  101: { blocks: [3, 4, 23, 3], block: "bottleneck", paperGFlops: 7.6 },
  152: { blocks: [3, 8, 36, 3], block: "bottleneck", paperGFlops: 11.3 },
};

/** Width (filters of the 3x3 convolutions) of conv2_x ... conv5_x. */
export const STAGE_WIDTHS: readonly [number, number, number, number] = [64, 128, 256, 512];

/** Output channels of a bottleneck relative to its width (1x1, 64 -> 1x1, 256). */
export const BOTTLENECK_EXPANSION = 4;

/** Channels of conv1, the 7x7 stride-2 stem. */
export const STEM_CHANNELS = 64;

/** Smallest input height and width: five halvings leave a 1x1 map. */
export const MIN_INPUT_SIZE = 32;
