/**
 * `resnet-blocks/pretrained`: timm's ResNets by name from the Hugging Face Hub (or a local
 * folder), cached, checked, and loaded into the torchvision preset, with the checkpoint's
 * own preprocessing.
 *
 * @example
 * ```ts
 * import { pretrained } from "resnet-blocks/pretrained";
 * const net = await pretrained("timm/resnet50.a1_in1k");
 * ```
 *
 * @module
 */
export { pretrained, type Pretrained, type PretrainedOptions, type PretrainedClassifyOptions } from "./pretrained.js";
export { KNOWN_PRETRAINED_IDS, TIMM_RESNET_TAGS, type KnownPretrainedId } from "./knownIds.js";
export { readTimmConfig, SUPPORTED_ARCHITECTURES, type SupportedArchitecture, type TimmConfig } from "./timmConfig.js";
export * from "./transforms/index.js";
export { IMAGENET_LABELS } from "./labels/imagenetLabels.js";
export { classify, type ClassifyOptions, type Prediction } from "./classify.js";
export * from "./features/index.js";
export {
  HubError,
  type HubErrorDetails,
  type HubOptions,
  type HubCache,
  type CacheKey,
  type DownloadProgress,
  createFileCache,
  createCacheApiCache,
  defaultCacheDir,
  CACHE_ENV,
  CACHE_API_NAME,
  DEFAULT_HOST,
  DEFAULT_STALL_TIMEOUT_MS,
} from "./hub/index.js";
