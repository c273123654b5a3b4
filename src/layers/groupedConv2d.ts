import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Initializer = ReturnType<typeof tfl.initializers.varianceScaling>;


/** Arguments of {@link GroupedConv2D}. */
export interface GroupedConv2DArgs {
  /** Output channels; a multiple of `groups`. */
  filters: number;
  /** Kernel height and width: one number, or a pair of equal numbers as tfjs's `Conv2D` writes it. */
  kernelSize: number | readonly [number, number];
  /** Stride in both directions: one number, or a pair of equal numbers. Default 1. */
  strides?: number | readonly [number, number];
  /** `'same'` or `'valid'`, as tfjs's `conv2d`. Default `'valid'`. */
  padding?: "same" | "valid";
  /** Groups: input and output channels are cut into this many slices, slice `g` of the output reading only slice `g` of the input. */
  groups: number;
  /** Whether a bias is added. Default `true`. */
  useBias?: boolean;
  /** Kernel initializer (a variance-scaling one: He, Glorot, Kaiming), or its serialised form `{ className, config }` from a saved model. Default Glorot uniform. */
  kernelInitializer?:
    | Initializer
    | {
        /** The initializer's class (`VarianceScaling`, `HeNormal`, `GlorotUniform`, ...). */
        className: string;
        /** Its `getConfig()`: scale, mode, distribution and seed. */
        config: tf.serialization.ConfigDict;
      };
  /** Layer name. */
  name?: string;
}

/**
 * A grouped 2-D convolution (PyTorch's `Conv2d(groups=g)`, ResNeXt's cardinality), which
 * tfjs-layers does not have. The kernel is `[k, k, channelsIn / groups, filters]`, the layout
 * of TensorFlow's grouped `Conv2D`, so a torchvision weight `[filters, channelsIn / groups,
 * k, k]` loads by the same transposition as an ordinary convolution's. It runs on any tfjs
 * backend by cutting the input and the kernel into `groups` slices, convolving each and
 * concatenating; `fuse` runs it as one kernel call where it can. Registered for
 * serialisation as `resnet-blocks>GroupedConv2D`.
 *
 * @example
 * ```ts
 * import * as tfl from "@tensorflow/tfjs-layers";
 * import { GroupedConv2D } from "resnet-blocks";
 * const x = tfl.input({ shape: [56, 56, 128] });
 * const y = new GroupedConv2D({ filters: 128, kernelSize: 3, padding: "same", groups: 32 }).apply(x) as tfl.SymbolicTensor; // [null, 56, 56, 128]
 * ```
 */
export class GroupedConv2D extends tfl.layers.Layer {
  /** Class name used in saved models. */
  static className = "GroupedConv2D";
  /** Output channels. */
  readonly filters: number;
  /** Kernel height and width. */
  readonly kernelSize: number;
  /** Stride in both directions. */
  readonly strides: number;
  /** `'same'` or `'valid'`. */
  readonly padding: "same" | "valid";
  /** Groups. */
  readonly groups: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: GroupedConv2DArgs & LayerArgs) {
    super(args);
    const kernelSize = square("kernelSize", args.kernelSize);
    const strides = square("strides", args.strides ?? 1);
    for (const [key, value] of [["filters", args.filters], ["kernelSize", kernelSize], ["groups", args.groups], ["strides", strides]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`GroupedConv2D: ${key} must be an integer >= 1; got ${String(value)}`);
    }
    if (args.filters % args.groups !== 0) {
      throw new RangeError(`GroupedConv2D: filters (${args.filters}) must be a multiple of groups (${args.groups})`);
    }
    this.filters = args.filters;
    this.kernelSize = kernelSize;
    this.strides = strides;
    this.padding = args.padding ?? "valid";
    this.groups = args.groups;
    this.useBias = args.useBias ?? true;
    const init = args.kernelInitializer;
    this.kernelInitializer =
      init === undefined
        ? tfl.initializers.glorotUniform({})
        : "className" in init && typeof init.className === "string" && "config" in init && !(init instanceof tf.serialization.Serializable)
          ? tfl.initializers.varianceScaling(init.config as Parameters<typeof tfl.initializers.varianceScaling>[0])
          : (init as Initializer);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channelsIn = shape[3];
    if (typeof channelsIn !== "number" || channelsIn % this.groups !== 0) {
      throw new RangeError(`GroupedConv2D ${this.name}: input channels (${String(channelsIn)}) must be a multiple of groups (${this.groups})`);
    }
    const k = this.kernelSize;
    this.kernel = this.addWeight("kernel", [k, k, channelsIn / this.groups, this.filters], "float32", this.kernelInitializer);
    if (this.useBias) this.bias = this.addWeight("bias", [this.filters], "float32", tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const size = (n: number | null) => {
      if (n === null) return null;
      return this.padding === "same" ? Math.ceil(n / this.strides) : Math.floor((n - this.kernelSize) / this.strides) + 1;
    };
    return [shape[0] ?? null, size(shape[1] ?? null), size(shape[2] ?? null), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const kernel = this.kernel!.read() as tf.Tensor4D;
      const xs = tf.split(x, this.groups, 3) as tf.Tensor4D[];
      const kernels = tf.split(kernel, this.groups, 3) as tf.Tensor4D[];
      const outputs = xs.map((slice, g) => tf.conv2d(slice, kernels[g]!, this.strides, this.padding));
      const y = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 3);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      // Pairs, as tfjs's Conv2D writes them, so readers of conv configs read both alike.
      kernelSize: [this.kernelSize, this.kernelSize],
      strides: [this.strides, this.strides],
      padding: this.padding,
      groups: this.groups,
      useBias: this.useBias,
      kernelInitializer: { className: this.kernelInitializer.getClassName(), config: this.kernelInitializer.getConfig() },
    };
  }
}

/** One size from a number or a pair of equal numbers. */
function square(key: string, value: number | readonly [number, number]): number {
  if (typeof value === "number") return value;
  if (Array.isArray(value) && value.length === 2 && value[0] === value[1]) return value[0];
  throw new RangeError(`GroupedConv2D: ${key} must be a number or a pair of equal numbers; got ${JSON.stringify(value)}`);
}

let registered = false;

/** Registers {@link GroupedConv2D} for `tf.loadLayersModel` (as `resnet-blocks>GroupedConv2D`). Idempotent; the entries call it. */
export function registerGroupedConv2D(): void {
  if (registered) return;
  tf.serialization.registerClass(GroupedConv2D, "resnet-blocks");
  registered = true;
}
