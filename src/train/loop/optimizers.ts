/**
 * The optimizers of {@link train}: building them, changing their learning rate before a
 * step, and capturing and restoring their state exactly.
 *
 * tfjs optimizers have no common `setLearningRate`: SGD and momentum keep `-lr` in a scalar
 * tensor (`setLearningRate` updates it), while Adam, Adamax, RMSProp, Adagrad and Adadelta
 * read their `learningRate` field at every `applyGradients`. {@link setLearningRate} does
 * what each needs.
 *
 * State: `getWeights()`/`setWeights()` are not enough for an exact resume (Adamax has
 * neither, and Adam's `setWeights` rebuilds its running `beta^t` products with `pow`, which
 * differs from the running product in the last bits), so the state is read from the
 * optimizer's own variables: the step counter, every per-weight slot (momentum, first and
 * second moments, accumulators) in slot order, and the scalar variables (`accBeta1`,
 * `accBeta2`, `iteration`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { OptimizerName } from "./types.js";

/** Default learning rate of each optimizer (the paper's 0.1 for SGD; tfjs's and Keras's defaults otherwise). */
export const DEFAULT_LEARNING_RATE: Readonly<Record<OptimizerName, number>> = {
  sgd: 0.1,
  adam: 1e-3,
  rmsprop: 1e-3,
  adagrad: 1e-2,
  adadelta: 1,
  adamax: 2e-3,
};

/** The names {@link train} accepts for `optimizer`. */
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax"];

/** Builds an optimizer; `momentum` applies to `"sgd"` only (0 gives plain SGD). */
export function makeOptimizer(name: OptimizerName, learningRate: number, momentum: number): tf.Optimizer {
  switch (name) {
    case "sgd":
      return momentum > 0 ? tf.train.momentum(learningRate, momentum) : tf.train.sgd(learningRate);
    case "adam":
      return tf.train.adam(learningRate);
    case "rmsprop":
      return tf.train.rmsprop(learningRate);
    case "adagrad":
      return tf.train.adagrad(learningRate);
    case "adadelta":
      return tf.train.adadelta(learningRate);
    case "adamax":
      return tf.train.adamax(learningRate);
  }
}

/** Sets the rate the next `applyGradients` uses. */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  const target = optimizer as unknown as { learningRate: number; setLearningRate?: (rate: number) => void };
  // SGD and momentum (not `instanceof`: tfjs's Optimizer answers it for any optimizer) keep -lr in a scalar.
  if (typeof target.setLearningRate === "function") {
    if (target.learningRate !== rate) target.setLearningRate(rate);
    return;
  }
  target.learningRate = rate;
}

/** Disposes an optimizer and everything it holds. */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  // MomentumOptimizer.dispose() does not call SGD's, which owns the scalar `-lr`.
  const c = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (c && !c.isDisposed) c.dispose();
}

/** A named tensor of optimizer state. */
export interface StateTensor {
  /** `<field>/<slot>` for per-weight slots, `<field>` for scalar variables. */
  name: string;
  /** A copy the caller owns. */
  tensor: tf.Tensor;
}

/** The optimizer's state: step count and copies of its variables. */
export interface OptimizerState {
  /** `optimizer.iterations`. */
  iterations: number;
  /** Copies of every state variable, named `<field>/<slot>` or `<field>`. */
  tensors: StateTensor[];
}

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

function isSlotArray(value: unknown): value is Array<Slot | undefined> {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => item === undefined || (typeof item === "object" && item !== null && (item as Slot).variable instanceof tf.Variable))
  );
}

/** Copies the optimizer's state (the caller disposes the tensors). */
export function captureOptimizerState(optimizer: tf.Optimizer): OptimizerState {
  const tensors: StateTensor[] = [];
  for (const [field, value] of Object.entries(optimizer)) {
    if (value instanceof tf.Variable) {
      tensors.push({ name: field, tensor: tf.clone(value) });
    } else if (isSlotArray(value)) {
      value.forEach((slot, index) => {
        if (slot) tensors.push({ name: `${field}/${index}`, tensor: tf.clone(slot.variable) });
      });
    }
  }
  return { iterations: optimizer.iterations, tensors };
}

/** A tensor of saved optimizer state, before it becomes a tf tensor: name, dtype and shape. */
export interface SavedStateTensor {
  /** `<field>/<slot>` or `<field>`. */
  name: string;
  /** Its dtype. */
  dtype: string;
  /** Its shape. */
  shape: readonly number[];
}

/**
 * Checks saved optimizer state against a fresh optimizer of the run's kind and the model's
 * trainable weights, without changing either: every field exists on this optimizer, every
 * slot is a whole index of a trainable weight and has that weight's shape, every scalar
 * variable its shape, each appears once, all float32.
 *
 * @throws RangeError naming the first state tensor that does not fit.
 */
export function checkOptimizerState(
  optimizer: tf.Optimizer,
  tensors: readonly SavedStateTensor[],
  trainable: ReadonlyArray<{ name: string; shape: readonly number[] }>,
): void {
  const target = optimizer as unknown as Record<string, unknown>;
  const kind = `this ${optimizer.getClassName()} optimizer`;
  const seen = new Set<string>();
  const shape = (s: readonly number[]) => `[${s.join(", ")}]`;
  for (const { name, dtype, shape: saved } of tensors) {
    const fail = (why: string): never => {
      throw new RangeError(`checkpoint: optimizer state ${JSON.stringify(name)}${why}`);
    };
    if (seen.has(name)) fail(" appears twice");
    seen.add(name);
    if (dtype !== "float32") fail(` is ${dtype}; optimizer state is float32`);
    const parts = name.split("/");
    const field = parts[0]!;
    if (parts.length > 2 || !Object.prototype.hasOwnProperty.call(target, field)) fail(`: ${kind} has no ${JSON.stringify(field)}`);
    const value = target[field];
    if (parts.length === 1) {
      if (!(value instanceof tf.Variable)) fail(`: ${kind} has no variable ${JSON.stringify(field)}`);
      const variable = value as tf.Variable;
      if (!tf.util.arraysEqual(variable.shape, [...saved])) fail(` has shape ${shape(saved)}; ${kind}'s is ${shape(variable.shape)}`);
      continue;
    }
    if (!Array.isArray(value)) fail(`: ${kind}'s ${JSON.stringify(field)} is not a list of per-weight slots`);
    const text = parts[1]!;
    const index = Number(text);
    if (!/^(0|[1-9]\d*)$/.test(text)) fail(`: ${JSON.stringify(text)} is not a slot index`);
    if (index >= trainable.length) fail(`: slot ${index} is past the model's ${trainable.length} trainable weights`);
    const weight = trainable[index]!;
    if (!tf.util.arraysEqual([...weight.shape], [...saved])) fail(` has shape ${shape(saved)}; weight ${index} (${weight.name}) has shape ${shape(weight.shape)}`);
  }
}

/**
 * Restores state captured by {@link captureOptimizerState} into a fresh optimizer of the
 * same kind, which takes ownership of copies of the tensors.
 *
 * @throws RangeError if the state names a field this optimizer does not have.
 */
export function restoreOptimizerState(optimizer: tf.Optimizer, state: OptimizerState, slotNames: readonly string[]): void {
  const target = optimizer as unknown as Record<string, unknown>;
  for (const { name, tensor } of state.tensors) {
    const [field, slotText] = name.split("/") as [string, string | undefined];
    if (slotText === undefined) {
      const variable = target[field];
      if (!(variable instanceof tf.Variable)) {
        throw new RangeError(`checkpoint: the optimizer state has ${JSON.stringify(field)}, which this ${optimizer.getClassName()} optimizer lacks`);
      }
      variable.assign(tensor);
      continue;
    }
    if (!(field in target)) {
      throw new RangeError(`checkpoint: the optimizer state has ${JSON.stringify(field)}, which this ${optimizer.getClassName()} optimizer lacks`);
    }
    const slots = target[field] as Array<Slot | undefined> | undefined;
    if (!Array.isArray(slots)) {
      throw new RangeError(`checkpoint: the optimizer state has ${JSON.stringify(field)}, which this ${optimizer.getClassName()} optimizer lacks`);
    }
    const index = Number(slotText);
    slots[index]?.variable.dispose();
    slots[index] = {
      originalName: `${slotNames[index] ?? `weight${index}`}/${field}`,
      variable: tf.variable(tensor, false),
    };
  }
  (optimizer as unknown as { iterations_: number }).iterations_ = state.iterations;
}
