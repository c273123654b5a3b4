/**
 * `cifarResnet(options)`: the CIFAR-10 nets of section 4.2 of He et al. (2015).
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { CIFAR_MIN_INPUT_SIZE, describeCifarNet, resolveCifarOptions } from "../../arch/cifarSpec.js";
import type { CifarResNetOptions as CifarNetOptions } from "../../arch/types.js";
import { buildFromSpec } from "../../models/resnet.js";
import { requireBackend } from "../../util/requireBackend.js";

export { CIFAR_MIN_INPUT_SIZE };

/** Options of {@link cifarResnet}: the net's options (see `cifarResnetSpec`) and the builder's. Every field but `depth` is optional. */
export interface CifarResNetOptions extends CifarNetOptions {
  /** Seed of the kernel initialisers, for reproducible weights. Default: unseeded. */
  seed?: number;
  /** Model name. Default `resnet<depth>` or `plain<depth>`. */
  name?: string;
}

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
  const spec = describeCifarNet(resolveCifarOptions(options, "cifarResnet", ["seed", "name"]));
  requireBackend("cifarResnet()");
  return buildFromSpec(spec, { seed: options.seed, name: options.name });
}
