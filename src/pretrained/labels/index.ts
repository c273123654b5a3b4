/**
 * Class names that ship with the package.
 *
 * @module
 */
export { IMAGENET_LABELS } from "./imagenetLabels.js";
