/**
 * One optimizer step: forward in training mode (batch norm on batch statistics, its moving
 * statistics updated with each layer's own momentum), cross-entropy, gradients, weight
 * decay on the kernels, the learning rate set, and the update. The loss is read before the
 * update is applied, so a step whose loss is NaN or infinite changes nothing: the weights
 * stay and the moving statistics are put back.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { crossEntropy, hits, targetsOf, type OutputKind } from "./loss.js";
import { setLearningRate } from "./optimizers.js";

/** What a step needs that does not change between steps. */
export interface StepContext {
  /** The model. */
  model: tfl.LayersModel;
  /** Its trainable weights, in a fixed order (the optimizer's slots follow it). */
  trainable: tfl.LayerVariable[];
  /** Whether each trainable weight gets weight decay. */
  decayed: boolean[];
  /** The optimizer. */
  optimizer: tf.Optimizer;
  /** L2 weight decay added to the kernels' gradients. */
  weightDecay: number;
  /** Label smoothing. */
  labelSmoothing: number;
  /** Output classes. */
  classes: number;
  /** How the output is read. */
  output: OutputKind;
}

/** Figures of a step: the batch's summed loss and hit counts. */
export interface StepFigures {
  /** Sum over the batch of the cross-entropy. */
  lossSum: number;
  /** Top-1 hits. */
  top1: number;
  /** Top-5 hits. */
  top5: number;
}

/**
 * Whether a weight gets weight decay: the kernels of convolutions and dense layers (the last
 * part of the name ends in `kernel`: `kernel`, `depthwise_kernel`, `pointwise_kernel`), not
 * biases, not batch-norm gamma and beta.
 */
export function isDecayed(originalName: string): boolean {
  return (originalName.split("/").pop() ?? "").endsWith("kernel");
}

/**
 * Trains on one batch (already augmented). Returns the figures, or `null` when the loss was
 * NaN or infinite, in which case nothing was updated.
 */
export async function trainStep(context: StepContext, x: tf.Tensor4D, y: tf.Tensor, learningRate: number): Promise<StepFigures | null> {
  const { model, trainable, optimizer } = context;
  const variables = trainable.map((weight) => weight.read() as tf.Variable);
  // Copies that share the data (no copy made) of the moving statistics, to put back if the loss is not finite.
  const movingStatistics = model.nonTrainableWeights.map((weight) => ({ weight, saved: tf.clone(weight.read()) }));
  const { target, index } = targetsOf(y, context.classes, context.labelSmoothing);
  let figures: tf.Tensor | undefined;
  let grads: tf.NamedTensorMap = {};
  try {
    const result = tf.variableGrads(() => {
      const output = model.apply(x, { training: true }) as tf.Tensor2D;
      const perImage = crossEntropy(output, target, context.output);
      figures = tf.keep(tf.concat([tf.stack([tf.sum(perImage)]), hits(output, index, Math.min(5, context.classes))]));
      return tf.mean(perImage) as tf.Scalar;
    }, variables);
    result.value.dispose();
    grads = result.grads;
    const [lossSum, top1, top5] = Array.from(await figures!.data()) as [number, number, number];
    if (!Number.isFinite(lossSum)) {
      for (const { weight, saved } of movingStatistics) weight.write(saved);
      return null;
    }
    applyUpdate(context, variables, grads, learningRate);
    grads = {};
    return { lossSum, top1, top5 };
  } finally {
    tf.dispose([target, index, ...(figures ? [figures] : []), ...movingStatistics.map((m) => m.saved), ...Object.values(grads)]);
  }
}

/** Adds weight decay to the kernels' gradients, sets the rate and applies the update; disposes the gradients. */
function applyUpdate(context: StepContext, variables: tf.Variable[], grads: tf.NamedTensorMap, learningRate: number): void {
  const update = variables.map((variable, i) => {
    const gradient = grads[variable.name];
    if (!gradient || !(context.decayed[i] && context.weightDecay > 0)) return gradient ?? null;
    const decayedGradient = tf.tidy(() => tf.add(gradient, tf.mul(variable, context.weightDecay)));
    gradient.dispose();
    return decayedGradient;
  });
  try {
    setLearningRate(context.optimizer, learningRate);
    // Slots are matched by position, so every variable is listed; one without a gradient is skipped by the optimizer.
    context.optimizer.applyGradients(variables.map((variable, i) => ({ name: variable.name, tensor: update[i] as tf.Tensor })));
  } finally {
    tf.dispose(update.filter((t): t is tf.Tensor => t !== null));
  }
  for (const weight of context.trainable) {
    const constraint = weight.constraint;
    if (constraint) {
      tf.tidy(() => {
        weight.write(constraint.apply(weight.read()));
      });
    }
  }
}
