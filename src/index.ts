/**
 * `resnet-blocks`: the ResNets of He et al. (2015), Table 1, as typed TensorFlow.js
 * building blocks and models, with exact counters.
 *
 * Importing this entry registers the `ZeroPadShortcut` layer (the option-A shortcut) for
 * serialisation and warns if the tfjs-core and tfjs-layers versions differ.
 *
 * @example
 * ```ts
 * import { resnet50, countModel } from "resnet-blocks";
 * const model = resnet50();
 * countModel(model).macs; // 3857973248
 * ```
 *
 * @module
 */
import "./versionCheck.js";
import { registerGroupedConv2D } from "./layers/groupedConv2d.js";
import { registerZeroPadShortcut } from "./layers/zeroPadShortcut.js";

registerZeroPadShortcut();
registerGroupedConv2D();

export { checkTfjsVersions } from "./versionCheck.js";
export {
  resnet,
  buildFromSpec,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  plain18,
  plain34,
  plain50,
  plain101,
  plain152,
  resnet50v2,
  resnet101v2,
  resnet152v2,
  wideResnet50_2,
  wideResnet101_2,
  resnext50_32x4d,
  resnext101_32x8d,
  type ResNetBuildOptions,
  type NamedResNetOptions,
} from "./models/resnet.js";
export { basicBlock, bottleneckBlock, plainBlock, type BlockOptions, type PlainBlockOptions } from "./blocks/blocks.js";
export { ZeroPadShortcut, registerZeroPadShortcut, type ZeroPadShortcutArgs } from "./layers/zeroPadShortcut.js";
export { GroupedConv2D, registerGroupedConv2D, type GroupedConv2DArgs } from "./layers/groupedConv2d.js";
export { countModel } from "./models/countModel.js";
export {
  useBackend,
  BackendError,
  BACKEND_NAMES,
  DEFAULT_START_TIMEOUT_MS,
  wasmSimdSupported,
  wasmThreadsSupported,
  AUTO_ORDER,
  type Runtime,
  type BackendName,
  type BackendPreference,
  type BackendReport,
  type BackendAttempt,
  type UseBackendOptions,
  type WasmPaths,
  type WasmBinaryName,
} from "./backend/index.js";
export { fuse, type ConvKernels, type FuseOptions, type FusedModel, type FusedStep, type FusedStepKind } from "./infer/fuse/index.js";
// Counting, for users of the models; formatting helpers and the block-level description stay in resnet-blocks/count.
export {
  count,
  countUpTo,
  conventionCount,
  CONVENTIONS,
  resnetSpec,
  cifarResnetSpec,
  table1,
  summaryTable,
  TABLE1,
  DEPTHS,
  PRESETS,
  SHORTCUTS,
  STRIDES_IN,
  POOLINGS,
  CLASSIFIER_ACTIVATIONS,
  type CountOptions,
  type Convention,
  type ConventionCount,
  type ConventionParts,
  type TruncationStage,
  type CountReport,
  type ExtraFlops,
  type ExtraFlopsCategory,
  type Figures,
  type LayerCount,
  type ParamCounts,
  type StageCount,
  type UncountedLayer,
  type Table1Column,
} from "./count/index.js";
export type * from "./arch/types.js";
