/**
 * `countUpTo(spec, stage)`: the counts of a ResNet truncated after a stage, the net that
 * `featureExtractor(model, { stages: [stage] })` runs.
 *
 * @module
 */
import { resnetSpec } from "../arch/resnetSpec.js";
import type { ResNetOptions, ResNetSpec, StageName } from "../arch/types.js";
import { count } from "./count.js";
import type { CountReport } from "./report.js";

/** Where the truncated net ends: a stage of Table 1, or `pool` (the stages and the global pooling, no classifier). */
export type TruncationStage = Exclude<StageName, "head"> | "pool";

const ORDER: readonly StageName[] = ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"];
const ACCEPTED: readonly TruncationStage[] = ["conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "pool"];

/**
 * Counts (parameters, MACs, FLOPs, activations) of the net up to and including `stage`, as
 * {@link count} reports them for the whole net. `conv1` ends at the stem's ReLU (before the max
 * pool, which belongs to `conv2_x`, as in Table 1 and as timm's `act1` feature); `pool` keeps
 * the global pooling of the head and drops the classifier.
 *
 * @param specOrOptions A resolved {@link ResNetSpec} or the options of one.
 * @param stage Where to stop.
 * @returns A {@link CountReport} whose `name` is the net's with `@stage` appended.
 * @throws RangeError naming `stage` if it is not one of conv1, conv2_x ... conv5_x, pool, or
 * `pool` for a net without global pooling.
 */
export function countUpTo(specOrOptions: ResNetSpec | ResNetOptions, stage: TruncationStage): CountReport {
  if (!ACCEPTED.includes(stage)) {
    throw new RangeError(`stage must be one of ${ACCEPTED.map((s) => JSON.stringify(s)).join(", ")}; got ${JSON.stringify(stage)}`);
  }
  const spec = Array.isArray((specOrOptions as ResNetSpec).layers) ? (specOrOptions as ResNetSpec) : resnetSpec(specOrOptions as ResNetOptions);
  let layers;
  if (stage === "pool") {
    layers = spec.layers.filter((l) => l.stage !== "head" || l.kind === "globalAvgPool" || l.kind === "globalMaxPool");
    if (!layers.some((l) => l.kind === "globalAvgPool" || l.kind === "globalMaxPool")) {
      throw new RangeError(`stage "pool": ${spec.name} has no global pooling (build it with includeTop: true or pooling: "avg")`);
    }
  } else {
    const last = ORDER.indexOf(stage);
    layers = spec.layers.filter((l) => ORDER.indexOf(l.stage) <= last);
  }
  const output = layers[layers.length - 1]!.name;
  const stages = spec.stages.filter((s) => layers.some((l) => l.stage === s.name));
  return count({ ...spec, name: `${spec.name}@${stage}`, layers, stages, output });
}
