/**
 * A checkpoint's own preprocessing, as timm and torchvision apply it (PIL's arithmetic).
 *
 * @module
 */
export { resolveDataConfig, DEFAULT_DATA_CONFIG, type DataConfig, type CropMode, type Interpolation } from "./dataConfig.js";
export { createTransforms, type ImageTransforms } from "./transforms.js";
export type { ImageInput } from "./pixels.js";
