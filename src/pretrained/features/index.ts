/**
 * Stage feature maps of a ResNet, for detection or retrieval backbones.
 *
 * @module
 */
export {
  featureExtractor,
  featureLayerName,
  FEATURE_STAGES,
  DEFAULT_FEATURE_STAGES,
  type FeatureStage,
  type FeatureExtractorOptions,
} from "./featureExtractor.js";
