/**
 * `resnet-blocks/train`: reference training for the ResNets of this library.
 *
 * - {@link train}: the paper's recipe by default (SGD, momentum 0.9, weight decay 1e-4 on the
 *   kernels, learning rate 0.1 divided by 10 on a schedule), composable schedules, on-backend
 *   augmentation, validation, top-1/top-5, checkpoints that resume exactly.
 * - {@link cifarResnet}: the CIFAR-10 nets of section 4.2 (depth 6n+2, option-A shortcuts).
 * - Data loaders (CIFAR-10 binary, image folders, the `mnist` package, tensors) and
 *   {@link trainingCurvesSvg} for the paper's Figure-4-style plots.
 * - Fine-tuning: {@link freezeBackbone} (batch norm frozen in inference mode) and {@link replaceHead}.
 *
 * Importing this entry registers the kernels that tfjs-backend-wasm 4.22 lacks for training
 * (`Conv2DBackpropFilter`) and replaces its two slow ones (`Conv2DBackpropInput`, `Tile`) with
 * faster ones built on its XNNPACK convolution, so models train on the WASM backend.
 *
 * @example
 * ```ts
 * import { useBackend } from "resnet-blocks";
 * import { cifarResnet, train, stepDecay } from "resnet-blocks/train";
 *
 * await useBackend("wasm");
 * const model = cifarResnet({ depth: 20 });
 * const history = await train(model, { x, y }, { epochs: 10, batchSize: 128, learningRate: stepDecay({ boundaries: [5, 8] }) });
 * ```
 *
 * @module
 */
import "@tensorflow/tfjs-backend-wasm"; // its kernels first: the faster ones replace two of them
import { registerGroupedConv2D } from "../layers/groupedConv2d.js";
import { registerZeroPadShortcut } from "../layers/zeroPadShortcut.js";
import { registerWasmTrainingKernels } from "./kernels/index.js";

registerWasmTrainingKernels({ replaceSlowKernels: true });
registerGroupedConv2D();
registerZeroPadShortcut(); // so that tf.loadLayersModel reads saved CIFAR nets (option-A shortcuts)

export * from "./kernels/index.js";
export * from "./loop/index.js";
export { cifarResnet, CIFAR_MIN_INPUT_SIZE, type CifarResNetOptions } from "./cifar/cifarResnet.js";
export * from "./data/index.js";
export { trainingCurvesSvg, type CurveSeries, type TrainingCurvesOptions } from "./plot/trainingCurvesSvg.js";
export * from "./finetune/index.js";
