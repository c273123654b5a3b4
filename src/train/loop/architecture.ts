/**
 * The architecture of a model as a checkpoint records it: each layer's class, output shape
 * and the layers it reads from (by index), with names for messages. A checkpoint resumes
 * only into a model of the same architecture: a ResNet's weights fit its plain twin (the
 * same layers without the shortcuts) shape for shape, but not its graph.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";

/** One layer of a model's architecture. */
export interface ArchitectureLayer {
  /** The layer's name (for messages; not compared, so a model rebuilt with generated names still fits). */
  name: string;
  /** Its class, like `Conv2D` or `Add`. */
  className: string;
  /** Indices of the layers it reads from, in order, over all its inbound nodes. */
  inbound: number[];
  /** Its output shape, as JSON (`null` for the batch axis). */
  outputShape: string;
}

/** The architecture of `model`, layer by layer. */
export function architectureOf(model: tfl.LayersModel): ArchitectureLayer[] {
  const index = new Map(model.layers.map((layer, i) => [layer, i]));
  return model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    inbound: layer.inboundNodes.flatMap((node) => node.inboundLayers.map((inbound) => index.get(inbound) ?? -1)),
    outputShape: JSON.stringify(layer.outputShape),
  }));
}

/** Whether `value` is an architecture as {@link architectureOf} writes it. */
export function isArchitecture(value: unknown): value is ArchitectureLayer[] {
  return (
    Array.isArray(value) &&
    value.every(
      (layer: Partial<ArchitectureLayer> | null) =>
        typeof layer === "object" &&
        layer !== null &&
        typeof layer.name === "string" &&
        typeof layer.className === "string" &&
        typeof layer.outputShape === "string" &&
        Array.isArray(layer.inbound) &&
        layer.inbound.every((i) => Number.isInteger(i)),
    )
  );
}

/**
 * The first difference between a checkpoint's architecture and a model's, as a sentence;
 * `null` when they are the same (names aside).
 */
export function architectureDifference(saved: readonly ArchitectureLayer[], model: readonly ArchitectureLayer[]): string | null {
  const describe = (layer: ArchitectureLayer) => `${layer.name} (${layer.className})`;
  for (let i = 0; i < Math.max(saved.length, model.length); i++) {
    const a = saved[i];
    const b = model[i];
    if (!a || !b) {
      return a ? `the checkpoint has ${saved.length} layers, the model ${model.length} (layer ${i} is ${describe(a)} in the checkpoint)` : `the checkpoint has ${saved.length} layers, the model ${model.length} (layer ${i} is ${describe(b!)} in the model)`;
    }
    if (a.className !== b.className) return `layer ${i} is ${describe(a)} in the checkpoint, ${describe(b)} in the model`;
    if (a.inbound.join() !== b.inbound.join()) {
      return `layer ${i}, ${describe(b)}, reads layers [${a.inbound.join(", ")}] in the checkpoint, [${b.inbound.join(", ")}] in the model`;
    }
    if (a.outputShape !== b.outputShape) return `layer ${i}, ${describe(b)}, outputs ${a.outputShape} in the checkpoint, ${b.outputShape} in the model`;
  }
  return null;
}
