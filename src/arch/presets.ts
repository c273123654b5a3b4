/**
 * What each preset stands for.
 *
 * @module
 */
import type { BlockConventions, ClassifierActivation, KernelInitializer, Preset } from "./types.js";

/** The conventions a preset stands for, before the user's overrides. */
export interface PresetConventions extends BlockConventions {
  /** Initialiser of the classifier's kernel. */
  denseInitializer: KernelInitializer;
  /** Activation of the classifier. */
  classifierActivation: ClassifierActivation;
}

/** What each preset means; see {@link Preset}. */
export const PRESET_CONVENTIONS: Readonly<Record<Preset, Readonly<PresetConventions>>> = {
  paper: {
    useBias: false,
    epsilon: 1e-5,
    momentum: 0.9,
    kernelInitializer: "heNormal",
    denseInitializer: "glorotUniform",
    strideIn: "1x1",
    shortcut: "B",
    zeroInitResidual: false,
    classifierActivation: "softmax",
  },
  keras: {
    useBias: true,
    epsilon: 1.001e-5,
    momentum: 0.99,
    kernelInitializer: "glorotUniform",
    denseInitializer: "glorotUniform",
    strideIn: "1x1",
    shortcut: "B",
    zeroInitResidual: false,
    classifierActivation: "softmax",
  },
  torchvision: {
    useBias: false,
    epsilon: 1e-5,
    momentum: 0.9,
    kernelInitializer: "kaimingNormalFanOut",
    denseInitializer: "torchLinear",
    strideIn: "3x3",
    shortcut: "B",
    zeroInitResidual: false,
    classifierActivation: "linear",
  },
};
