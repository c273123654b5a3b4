/**
 * `basicBlock`, `bottleneckBlock` and `plainBlock`: the blocks of Table 1 as functions from a
 * `SymbolicTensor` to a `SymbolicTensor`, usable in any tfjs-layers functional model.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { applyLayers, SeedSequence } from "../layers/instantiate.js";
import { blockChannelsOut, blockLayers, type BlockType } from "../arch/blockLayers.js";
import { resolveConventions } from "../arch/conventions.js";
import { checkBoolean, checkInteger, checkKnownKeys, checkOptionsObject, describeValue } from "../util/check.js";
import type { ImageShape, Preset, ShortcutOption, StrideIn } from "../arch/types.js";

/** Options of {@link basicBlock} and {@link bottleneckBlock}. */
export interface BlockOptions {
  /**
   * Width: the filters of the 3x3 convolutions. A basic block outputs `filters` channels, a
   * bottleneck `4 * filters`.
   */
  filters: number;
  /** Stride of the block; 2 halves the height and width. Default 1. */
  stride?: number;
  /** Prefix of the block's layer names (`conv3_block1` gives `conv3_block1_1_conv`, ...). Default: a unique `<kind>_block<N>`. */
  name?: string;
  /** Conventions (bias, batch norm, initialiser, stride placement); see {@link Preset}. Default `'paper'`. */
  preset?: Preset;
  /** Shortcut option `'A'`, `'B'` or `'C'`; default from the preset (`'B'`). */
  shortcut?: ShortcutOption;
  /** Bottleneck only: the stride on the first 1x1 (`'1x1'`) or on the 3x3 (`'3x3'`). Default from the preset. */
  strideIn?: StrideIn;
  /** Start the last batch norm of the residual branch at gamma = 0. Default `false`. */
  zeroInitResidual?: boolean;
  /** Seed of the kernel initialisers, for reproducible weights. */
  seed?: number;
}

/** Options of {@link plainBlock}: a block without the shortcut. */
export interface PlainBlockOptions extends Omit<BlockOptions, "shortcut" | "zeroInitResidual"> {
  /** `true` for the 1x1, 3x3, 1x1 bottleneck layout (output `4 * filters` channels). Default `false`. */
  bottleneck?: boolean;
}

const BLOCK_OPTION_KEYS = ["filters", "stride", "name", "preset", "shortcut", "strideIn", "zeroInitResidual", "seed"];
const PLAIN_OPTION_KEYS = ["filters", "stride", "name", "preset", "strideIn", "seed", "bottleneck"];
const defaultNameCounters = new Map<string, number>();

/**
 * The residual block of ResNet-18/34: two 3x3 convolutions, each with batch norm, a ReLU
 * after the first, the shortcut added, then a ReLU (Figure 2 of the paper).
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [56, 56, 64] });
 * const y = basicBlock(x, { filters: 128, stride: 2, name: "conv3_block1" }); // [null, 28, 28, 128]
 * ```
 * @throws TypeError if `x` is not a 4-D symbolic tensor; RangeError for bad options.
 */
export function basicBlock(x: tfl.SymbolicTensor, options: BlockOptions): tfl.SymbolicTensor {
  return applyBlock("basicBlock", "basic", true, x, options, BLOCK_OPTION_KEYS);
}

/**
 * The bottleneck block of ResNet-50/101/152: 1x1 (reduce), 3x3, 1x1 (expand to
 * `4 * filters`), each with batch norm, ReLUs between, the shortcut added, then a ReLU
 * (Figure 5 of the paper).
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [56, 56, 256] });
 * const y = bottleneckBlock(x, { filters: 128, stride: 2, strideIn: "3x3" }); // [null, 28, 28, 512]
 * ```
 * @throws TypeError if `x` is not a 4-D symbolic tensor; RangeError for bad options.
 */
export function bottleneckBlock(x: tfl.SymbolicTensor, options: BlockOptions): tfl.SymbolicTensor {
  return applyBlock("bottleneckBlock", "bottleneck", true, x, options, BLOCK_OPTION_KEYS);
}

/**
 * The block of the plain nets: the layers of a basic block (or, with `bottleneck: true`, of
 * a bottleneck) without the shortcut; a ReLU ends it.
 *
 * @example
 * ```ts
 * const x = tf.input({ shape: [56, 56, 64] });
 * const y = plainBlock(x, { filters: 64 }); // [null, 56, 56, 64]
 * ```
 * @throws TypeError if `x` is not a 4-D symbolic tensor; RangeError for bad options.
 */
export function plainBlock(x: tfl.SymbolicTensor, options: PlainBlockOptions): tfl.SymbolicTensor {
  checkOptionsObject("options", options);
  const bottleneck = checkBoolean("bottleneck", options.bottleneck ?? false);
  return applyBlock("plainBlock", bottleneck ? "bottleneck" : "basic", false, x, options, PLAIN_OPTION_KEYS);
}

function applyBlock(
  fn: string,
  type: BlockType,
  residual: boolean,
  x: tfl.SymbolicTensor,
  options: BlockOptions | PlainBlockOptions,
  acceptedKeys: readonly string[],
): tfl.SymbolicTensor {
  const inputShape = checkSymbolicImage(fn, x);
  checkOptionsObject("options", options);
  checkKnownKeys(options, acceptedKeys, fn);
  const filters = checkInteger("filters", options.filters, 1);
  const stride = checkInteger("stride", options.stride ?? 1, 1);
  const full = options as BlockOptions;
  const conventions = resolveConventions(options.preset, {
    shortcut: full.shortcut,
    strideIn: options.strideIn,
    zeroInitResidual: full.zeroInitResidual,
  });
  const channelsOut = blockChannelsOut(type, filters);
  if (residual && conventions.shortcut === "A" && channelsOut < inputShape[2]) {
    throw new RangeError(
      `shortcut "A" zero-pads channels, so it needs output channels >= input channels; got ${inputShape[2]} in, ${channelsOut} out (use shortcut "B" or "C")`,
    );
  }
  const seed = options.seed === undefined ? undefined : checkInteger("seed", options.seed, 0);
  const name = options.name ?? defaultName(type, residual);
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string; got ${describeValue(name)}`);
  }
  const specs = blockLayers(type, residual, {
    name,
    input: { name: "block_input", shape: inputShape },
    filters,
    stride,
    stage: "conv2_x",
    conventions,
  });
  return applyLayers(specs, new Map([["block_input", x]]), new SeedSequence(seed));
}

function defaultName(type: BlockType, residual: boolean): string {
  const kind = residual ? type : `plain_${type}`;
  const n = (defaultNameCounters.get(kind) ?? 0) + 1;
  defaultNameCounters.set(kind, n);
  return `${kind}_block${n}`;
}

/** Checks that `x` is a 4-D symbolic tensor with known channels; unknown height/width become NaN. */
function checkSymbolicImage(fn: string, x: unknown): ImageShape {
  const isSymbolic =
    x instanceof tfl.SymbolicTensor ||
    (typeof x === "object" && x !== null && "sourceLayer" in x && Array.isArray((x as { shape?: unknown }).shape));
  if (!isSymbolic) {
    const what =
      typeof x === "object" && x !== null && "dataSync" in x
        ? `a concrete Tensor of shape ${describeValue((x as unknown as { shape: unknown }).shape)}`
        : describeValue(x);
    throw new TypeError(
      `x must be a 4-D SymbolicTensor [batch, height, width, channels] from tf.input() or a layer's apply(); got ${what}. ` +
        `${fn} builds layers; to run it on data, put it in a model.`,
    );
  }
  const shape = (x as tfl.SymbolicTensor).shape;
  const channels = shape[3];
  if (shape.length !== 4 || typeof channels !== "number") {
    throw new TypeError(
      `x must be a 4-D SymbolicTensor [batch, height, width, channels] with known channels; got shape ${describeValue(shape)}`,
    );
  }
  return [shape[1] ?? Number.NaN, shape[2] ?? Number.NaN, channels];
}
