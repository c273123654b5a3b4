/**
 * `resnet-blocks/count`: Table 1 as data, resolved specs and exact counters, with no
 * TensorFlow.js import, for docs tooling and anyone who only needs the figures.
 *
 * @example
 * ```ts
 * import { count, resnetSpec, table1 } from "resnet-blocks/count";
 * count({ depth: 50 }).macs; // 3857973248
 * ```
 *
 * @module
 */
export { count, type CountOptions } from "./count.js";
export { conventionCount, CONVENTIONS, type Convention, type ConventionCount, type ConventionParts } from "./conventions.js";
export { countUpTo, type TruncationStage } from "./countUpTo.js";
export { table1 } from "./table1.js";
export { summaryTable } from "./summary.js";
export { markdownTable, formatInteger, formatScaled, formatShape, type Align } from "./format.js";
export type { CountReport, ExtraFlops, ExtraFlopsCategory, Figures, LayerCount, ParamCounts, StageCount, UncountedLayer } from "./report.js";
export { resnetSpec } from "../arch/resnetSpec.js";
export { cifarResnetSpec, CIFAR_MIN_INPUT_SIZE } from "../arch/cifarSpec.js";
export { placeOfLayerName, BLOCK_STAGES, type LayerPlace, type BlockStageName } from "../arch/naming.js";
export { blockLayers, blockChannelsOut, type BlockType, type BlockLayersArgs } from "../arch/blockLayers.js";
export { TABLE1, STAGE_WIDTHS, MIN_INPUT_SIZE, type Table1Column, type BlockKind } from "../arch/table1.js";
export { PRESET_CONVENTIONS, type PresetConventions } from "../arch/presets.js";
export { DEPTHS, PRESETS, SHORTCUTS, STRIDES_IN, POOLINGS, CLASSIFIER_ACTIVATIONS } from "../arch/values.js";
export type * from "../arch/types.js";
export type { LayerOutput } from "../arch/layerList.js";
