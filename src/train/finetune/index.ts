/**
 * Fine-tuning: freeze a backbone up to a stage (batch norm in inference mode) and replace the head.
 *
 * @module
 */
export { freezeBackbone, FREEZE_POINTS, type FreezeOptions, type FreezePoint, type FreezeResult } from "./freeze.js";
export { replaceHead, type ReplaceHeadOptions } from "./replaceHead.js";
