import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/** Arguments of {@link ZeroPadShortcut}. */
export interface ZeroPadShortcutArgs {
  /** Subsampling stride: keeps rows and columns 0, stride, 2 x stride, ... */
  stride: number;
  /** Output channels; the input's channels are kept and zeros appended after them. */
  channels: number;
  /** Layer name. */
  name?: string;
}

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/**
 * The paper's option-A shortcut (section 3.3): an identity that subsamples by the stride
 * and pads the extra channels with zeros, so it has no parameters. tfjs has no Lambda layer,
 * so this is a layer of its own, registered for serialisation as
 * `resnet-blocks>ZeroPadShortcut` when `resnet-blocks` is imported.
 *
 * @example
 * ```ts
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { ZeroPadShortcut } from "resnet-blocks";
 * const x = tfl.input({ shape: [56, 56, 64] });
 * const shortcut = new ZeroPadShortcut({ stride: 2, channels: 128 }).apply(x) as tfl.SymbolicTensor; // [null, 28, 28, 128]
 * ```
 */
export class ZeroPadShortcut extends tfl.layers.Layer {
  /** Class name used in saved models. */
  static className = "ZeroPadShortcut";
  /** Subsampling stride. */
  readonly stride: number;
  /** Output channels. */
  readonly channels: number;

  constructor(args: ZeroPadShortcutArgs & LayerArgs) {
    super(args);
    this.stride = args.stride;
    this.channels = args.channels;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const subsample = (size: number | null) => (size === null ? null : Math.ceil(size / this.stride));
    return [shape[0] ?? null, subsample(shape[1] ?? null), subsample(shape[2] ?? null), this.channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const channels = x.shape[3];
      // A 1x1 pooling window with a stride keeps x[:, ::s, ::s, :]; unlike stridedSlice it has
      // a gradient in tfjs, so option-A nets train.
      const subsampled = this.stride === 1 ? x : tf.avgPool(x, 1, this.stride, "valid");
      return tf.pad(subsampled, [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, this.channels - channels],
      ]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stride: this.stride, channels: this.channels };
  }
}

let registered = false;

/**
 * Registers {@link ZeroPadShortcut} for `tf.loadLayersModel` (as `resnet-blocks>ZeroPadShortcut`).
 * Idempotent. The package entries call it on import; building a layer calls it too. It is a
 * function rather than a top-level statement so that the shared chunk holding the class stays
 * free of side effects (the `sideEffects` field lists only the entries).
 *
 * @example
 * ```ts
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { registerZeroPadShortcut } from "resnet-blocks";
 * registerZeroPadShortcut(); // already done by importing resnet-blocks; harmless again
 * const model = await tfl.loadLayersModel("file://cifar-resnet20/model.json"); // option-A shortcuts load
 * ```
 */
export function registerZeroPadShortcut(): void {
  if (registered) return;
  tf.serialization.registerClass(ZeroPadShortcut, "resnet-blocks");
  registered = true;
}
