/**
 * The accepted values of every option of the net description, as `as const` arrays; the
 * option types are derived from them (the tfjs-layers pattern), so a value list and its type
 * cannot disagree, and checks and CLI flags read the same lists.
 *
 * @module
 */

/** The depths of Table 1, in order. */
export const DEPTHS = [18, 34, 50, 101, 152] as const;

/** The presets, in the order they are documented. */
export const PRESETS = ["paper", "keras", "torchvision"] as const;

/** The shortcut options of section 3.3 of the paper. */
export const SHORTCUTS = ["A", "B", "C"] as const;

/** Where a downsampling bottleneck puts its stride. */
export const STRIDES_IN = ["1x1", "3x3"] as const;

/** Global pooling after the last stage (`null`: none, only without the top). */
export const POOLINGS = ["avg", "max", null] as const;

/** Activations of the classifier. */
export const CLASSIFIER_ACTIVATIONS = ["softmax", "linear"] as const;
