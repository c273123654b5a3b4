/**
 * Turns resolved layer descriptions (`arch/`) into tfjs-layers layers and applies them.
 *
 * @module
 */
import * as tfl from "@tensorflow/tfjs-layers";
import type { KernelInitializer, LayerSpec } from "../arch/types.js";
import { GroupedConv2D, registerGroupedConv2D } from "./groupedConv2d.js";
import { registerZeroPadShortcut, ZeroPadShortcut } from "./zeroPadShortcut.js";

type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

/** Deterministic per-layer seeds when the user gives one; tfjs's own random otherwise. */
export class SeedSequence {
  private next: number;
  constructor(private readonly seed: number | undefined) {
    this.next = seed ?? 0;
  }
  /** The next seed, or `undefined` when unseeded. */
  take(): number | undefined {
    return this.seed === undefined ? undefined : this.next++;
  }
}

function initializer(kind: KernelInitializer, seed: number | undefined): Initializer {
  switch (kind) {
    case "heNormal":
      return tfl.initializers.heNormal({ seed });
    case "glorotUniform":
      return tfl.initializers.glorotUniform({ seed });
    case "kaimingNormalFanOut":
      return tfl.initializers.varianceScaling({ scale: 2, mode: "fanOut", distribution: "normal", seed });
    case "torchLinear":
      // torch.nn.Linear: uniform in +-1/sqrt(fan_in) = sqrt(3 * scale / fan_in) with scale 1/3.
      return tfl.initializers.varianceScaling({ scale: 1 / 3, mode: "fanIn", distribution: "uniform", seed });
  }
}

/** Creates the tfjs layer that a description stands for (not for `input`). */
export function createLayer(spec: Exclude<LayerSpec, { kind: "input" }>, seeds: SeedSequence): tfl.layers.Layer {
  const name = spec.name;
  switch (spec.kind) {
    case "pad":
      return tfl.layers.zeroPadding2d({
        name,
        padding: [
          [spec.padding[0][0], spec.padding[0][1]],
          [spec.padding[1][0], spec.padding[1][1]],
        ],
      });
    case "conv":
      if (spec.groups > 1) {
        registerGroupedConv2D();
        return new GroupedConv2D({
          name,
          filters: spec.channelsOut,
          kernelSize: spec.kernel,
          strides: spec.stride,
          padding: spec.padding,
          groups: spec.groups,
          useBias: spec.useBias,
          kernelInitializer: initializer(spec.kernelInitializer, seeds.take()),
        });
      }
      return tfl.layers.conv2d({
        name,
        filters: spec.channelsOut,
        kernelSize: spec.kernel,
        strides: spec.stride,
        padding: spec.padding,
        useBias: spec.useBias,
        kernelInitializer: initializer(spec.kernelInitializer, seeds.take()),
      });
    case "batchNorm":
      return tfl.layers.batchNormalization({
        name,
        axis: -1,
        epsilon: spec.epsilon,
        momentum: spec.momentum,
        gammaInitializer: spec.gammaInitializer,
      });
    case "relu":
      return tfl.layers.activation({ name, activation: "relu" });
    case "maxPool":
      return tfl.layers.maxPooling2d({ name, poolSize: spec.pool, strides: spec.stride, padding: "valid" });
    case "add":
      return tfl.layers.add({ name });
    case "zeroPadShortcut":
      registerZeroPadShortcut();
      return new ZeroPadShortcut({ name, stride: spec.stride, channels: spec.channelsOut });
    case "globalAvgPool":
      return tfl.layers.globalAveragePooling2d({ name });
    case "globalMaxPool":
      return tfl.layers.globalMaxPooling2d({ name });
    case "dense":
      return tfl.layers.dense({
        name,
        units: spec.units,
        activation: spec.activation,
        kernelInitializer: initializer(spec.kernelInitializer, seeds.take()),
      });
  }
}

/**
 * Applies the described layers in order. `tensors` maps layer names to symbolic tensors and
 * must already hold every input the first layers read; each new output is added to it.
 * Returns the last layer's output.
 */
export function applyLayers(
  specs: readonly LayerSpec[],
  tensors: Map<string, tfl.SymbolicTensor>,
  seeds: SeedSequence,
): tfl.SymbolicTensor {
  let last: tfl.SymbolicTensor | undefined;
  for (const spec of specs) {
    if (spec.kind === "input") continue;
    const inputs = spec.inputs.map((input) => {
      const tensor = tensors.get(input);
      if (!tensor) throw new Error(`internal: layer ${spec.name} reads ${input}, which is not built yet`);
      return tensor;
    });
    const layer = createLayer(spec, seeds);
    last = layer.apply(inputs.length === 1 ? inputs[0]! : inputs) as tfl.SymbolicTensor;
    tensors.set(spec.name, last);
  }
  if (!last) throw new Error("internal: no layers to apply");
  return last;
}
