/**
 * `cifarResnet(options)`: the CIFAR-10 nets of section 4.2 of He et al. (2015).
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { basicBlock, plainBlock } from "../../blocks/blocks.js";
import { applyLayers, SeedSequence } from "../../layers/instantiate.js";
import { checkBoolean, checkInteger, checkOneOf, checkOptionsObject, describeValue } from "../../util/check.js";
import { LayerListBuilder } from "../../arch/layerList.js";
import { PRESETS, PRESET_CONVENTIONS } from "../../arch/presets.js";
import type { ClassifierActivation, ImageShape, Preset, ShortcutOption } from "../../arch/types.js";
import { requireBackend } from "../../util/requireBackend.js";

/** Options of {@link cifarResnet}. Every field but `depth` is optional. */
export interface CifarResNetOptions {
  /** Depth `6n + 2` for `n >= 1`: 20, 32, 44, 56, 110 and 1202 in the paper (8, 14, ... also work). */
  depth: number;
  /** `true` (default) for the residual net, `false` for the plain net (no shortcuts). */
  residual?: boolean;
  /** Number of classes of the top. Default 10. */
  classes?: number;
  /** Input height, width and channels; height and width at least 4. Default `[32, 32, 3]`. */
  inputShape?: ImageShape;
  /** Filters of the first stage; the second and third have 2x and 4x as many. Default 16 (the paper). */
  filters?: number;
  /** Shortcut option where the shape changes. Default `'A'` (identity, zero-padded channels), as in the paper's CIFAR nets. */
  shortcut?: ShortcutOption;
  /** Conventions of bias, batch norm and initialisers. Default `'paper'` (no bias, epsilon 1e-5, momentum 0.9, He normal). */
  preset?: Preset;
  /** Activation of the classifier. Default from the preset (`'softmax'` for `'paper'`). */
  classifierActivation?: ClassifierActivation;
  /** Seed of the kernel initialisers, for reproducible weights. Default: unseeded. */
  seed?: number;
  /** Model name. Default `resnet<depth>` or `plain<depth>`. */
  name?: string;
}

const OPTION_KEYS = [
  "depth",
  "residual",
  "classes",
  "inputShape",
  "filters",
  "shortcut",
  "preset",
  "classifierActivation",
  "seed",
  "name",
];

/** Smallest height and width: the two stride-2 stages need 4 pixels to halve twice. */
export const CIFAR_MIN_INPUT_SIZE = 4;

/**
 * Builds a CIFAR-style ResNet or plain net of section 4.2 of the paper as a tfjs-layers
 * `LayersModel`: a 3x3 convolution with 16 filters, three stages of `n = (depth - 2) / 6`
 * basic blocks with 16, 32 and 64 filters (the first block of the second and third stage
 * has stride 2), option-A shortcuts, global average pooling and a `classes`-way dense
 * softmax. Layer names follow Keras: `conv1_conv`, `conv2_block1_1_conv`, ...,
 * `conv4_block{n}_out`, `avg_pool`, `predictions`.
 *
 * ResNet-20, 32, 44, 56 and 110 have 0.27M, 0.46M, 0.66M, 0.85M and 1.7M trainable
 * parameters, as the paper's Table 6 gives them; ResNet-20 takes 40.6M multiply-adds per
 * 32x32 image.
 *
 * @example
 * ```ts
 * import { cifarResnet } from "resnet-blocks/train";
 * const model = cifarResnet({ depth: 20 });                  // ResNet-20, 0.27M parameters
 * const plain = cifarResnet({ depth: 20, residual: false }); // plain-20
 * ```
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function cifarResnet(options: CifarResNetOptions): tfl.LayersModel {
  checkOptionsObject("options", options);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new TypeError(`options.${key} is not an option of cifarResnet; accepted: ${OPTION_KEYS.join(", ")}`);
    }
  }
  const depth = checkCifarDepth(options.depth);
  const residual = checkBoolean("residual", options.residual ?? true);
  const classes = checkInteger("classes", options.classes ?? 10, 1);
  const inputShape = checkCifarInputShape(options.inputShape ?? [32, 32, 3]);
  const filters = checkInteger("filters", options.filters ?? 16, 1);
  const shortcut = checkOneOf("shortcut", options.shortcut ?? "A", ["A", "B", "C"] as const);
  const preset = checkOneOf("preset", options.preset ?? "paper", PRESETS);
  const conventions = { ...PRESET_CONVENTIONS[preset], shortcut };
  const activation = checkOneOf(
    "classifierActivation",
    options.classifierActivation ?? conventions.classifierActivation,
    ["softmax", "linear"] as const,
  );
  const seed = options.seed === undefined ? undefined : checkInteger("seed", options.seed, 0);
  const name = options.name ?? `${residual ? "resnet" : "plain"}${depth}`;
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string; got ${describeValue(name)}`);
  }

  // Each block draws its kernel seeds from this counter, so no two kernels share a seed.
  let nextSeed = seed;
  const takeSeeds = (count: number): number | undefined => {
    if (nextSeed === undefined) return undefined;
    const first = nextSeed;
    nextSeed += count;
    return first;
  };

  requireBackend("cifarResnet()");
  const input = tfl.input({ shape: [...inputShape], name: "input" });
  const stem = new LayerListBuilder("conv1", { name: "input", shape: inputShape });
  stem.convUnit("conv1", { kernel: 3, stride: 1, channelsOut: filters, relu: true }, conventions);
  let x = applyLayers(stem.layers, new Map([["input", input]]), new SeedSequence(takeSeeds(1)));

  const blocksPerStage = (depth - 2) / 6;
  for (let stage = 0; stage < 3; stage++) {
    const stageFilters = filters * 2 ** stage;
    for (let block = 0; block < blocksPerStage; block++) {
      const blockOptions = {
        filters: stageFilters,
        stride: stage > 0 && block === 0 ? 2 : 1,
        name: `conv${stage + 2}_block${block + 1}`,
        preset,
        seed: takeSeeds(3),
      };
      x = residual ? basicBlock(x, { ...blockOptions, shortcut }) : plainBlock(x, blockOptions);
    }
  }

  const width = filters * 4;
  const head = new LayerListBuilder("head", { name: "features", shape: x.shape.slice(1) as number[] });
  head.push({ kind: "globalAvgPool", name: "avg_pool", outputShape: [width] });
  head.push({
    kind: "dense",
    name: "predictions",
    unitsIn: width,
    units: classes,
    activation,
    kernelInitializer: conventions.denseInitializer,
    outputShape: [classes],
  });
  const output = applyLayers(head.layers, new Map([["features", x]]), new SeedSequence(takeSeeds(1)));
  return tfl.model({ inputs: input, outputs: output, name });
}

/** Returns `depth` if it is 6n + 2 for an integer n >= 1, else throws naming the accepted depths. */
function checkCifarDepth(depth: unknown): number {
  const accepted = "6n+2 with n >= 1 (8, 14, 20, 32, 44, 56, 110, 1202, ...)";
  if (typeof depth !== "number") throw new TypeError(`depth must be ${accepted}; got ${describeValue(depth)}`);
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new RangeError(`depth must be ${accepted}; got ${describeValue(depth)}`);
  }
  return depth;
}

/** Returns the shape if it is [height >= 4, width >= 4, channels >= 1], integers. */
function checkCifarInputShape(shape: unknown): ImageShape {
  const accepted = `[height, width, channels] of integers, height and width >= ${CIFAR_MIN_INPUT_SIZE}, channels >= 1`;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((v) => typeof v === "number")) {
    throw new TypeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  }
  const [h, w, c] = shape as number[];
  const ok = [h, w, c].every((v) => Number.isInteger(v)) && h! >= CIFAR_MIN_INPUT_SIZE && w! >= CIFAR_MIN_INPUT_SIZE && c! >= 1;
  if (!ok) throw new RangeError(`inputShape must be ${accepted}; got ${describeValue(shape)}`);
  return [h!, w!, c!];
}
