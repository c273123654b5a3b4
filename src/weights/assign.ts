/**
 * The shared core of every loader: match stored tensors to the model's weights, check them
 * all (names, dtypes, shapes), and only then assign, so that a failed load leaves the
 * model as it was.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { checkBoolean, checkKnownKeys, checkOneOf, checkOptionsObject, describeShape, describeValue } from "../util/check.js";
import { requireBackend } from "../util/requireBackend.js";
import { WeightsError } from "./errors.js";
import { toModelOrder } from "./kernelOrder.js";
import { WEIGHT_LAYOUTS, isIgnoredKey, matchingKey, weightSlots, type WeightLayout, type WeightSlot } from "./layouts.js";

/** Options of the loaders ({@link loadSafetensors}, {@link loadTfjsWeights}). */
export interface LoadOptions {
  /** How the file names and orders its tensors. Default `'native'`. */
  layout?: WeightLayout;
  /**
   * A prefix every weight name in the file carries, dropped before matching (e.g.
   * `'module.'` of a `DataParallel` checkpoint, `'model.'`). Default none.
   */
  prefix?: string;
  /**
   * Skip tensors that match no weight of the model instead of failing, e.g. to load a full
   * checkpoint into a model built with `includeTop: false`. Default `false`.
   */
  ignoreExtra?: boolean;
  /**
   * Load weights that hold NaN or Infinity instead of failing. Default `false`: a file with
   * non-finite values (a diverged training run, a damaged file) fails with a `WeightsError`
   * naming each tensor, and the model is unchanged.
   */
  allowNonFinite?: boolean;
}

/** The keys of {@link LoadOptions}. */
const LOAD_OPTION_KEYS = ["layout", "prefix", "ignoreExtra", "allowNonFinite"];

/** What a loader did. */
export interface LoadResult {
  /** Number of weights assigned (all of the model's). */
  loaded: number;
  /** Names of the file's tensors that were skipped (`num_batches_tracked`, and extras with `ignoreExtra`). */
  ignored: string[];
}

/** A tensor of a weights file, as the loaders see it. */
export interface StoredTensor {
  /** Name in the file. */
  name: string;
  /** Dtype as the file names it. */
  dtype: string;
  /** Shape in the file. */
  shape: readonly number[];
  /** Whether weights can be read from this dtype. */
  readable: boolean;
  /** The values as float32, in the file's order, in a new array. */
  read(): Float32Array;
}

/** Options with defaults filled in. */
interface ResolvedLoadOptions {
  layout: WeightLayout;
  prefix: string;
  ignoreExtra: boolean;
  allowNonFinite: boolean;
}

/**
 * Checks the model argument and the options of a loader.
 *
 * @param caller The loader, for the message about an unknown option (`loadSafetensors`).
 */
export function checkLoadArguments(model: unknown, options: LoadOptions | undefined, caller: string): ResolvedLoadOptions {
  checkModel(model);
  requireBackend("loading weights");
  const resolved = { layout: "native" as WeightLayout, prefix: "", ignoreExtra: false, allowNonFinite: false };
  if (options === undefined) return resolved;
  checkOptionsObject("options", options);
  checkKnownKeys(options, LOAD_OPTION_KEYS, caller);
  if (options.allowNonFinite !== undefined) resolved.allowNonFinite = checkBoolean("options.allowNonFinite", options.allowNonFinite);
  if (options.layout !== undefined) resolved.layout = checkOneOf("options.layout", options.layout, WEIGHT_LAYOUTS);
  if (options.prefix !== undefined) {
    if (typeof options.prefix !== "string") {
      throw new TypeError(`options.prefix must be a string; got ${describeValue(options.prefix)}`);
    }
    resolved.prefix = options.prefix;
  }
  if (options.ignoreExtra !== undefined) resolved.ignoreExtra = checkBoolean("options.ignoreExtra", options.ignoreExtra);
  return resolved;
}

/** Throws a TypeError unless `model` looks like a tfjs-layers `LayersModel`. */
export function checkModel(model: unknown): asserts model is tfl.LayersModel {
  const layers = (model as { layers?: unknown } | null)?.layers;
  if (typeof model !== "object" || model === null || !Array.isArray(layers)) {
    throw new TypeError(`model must be a tfjs-layers LayersModel; got ${describeValue(model)}`);
  }
}

/**
 * Matches `stored` to the weights of `model`, checks every one, then assigns them all.
 *
 * @param source How messages name the file, e.g. `safetensors file`.
 * @throws WeightsError listing every missing, extra, misshapen or wrongly typed tensor; the
 *   model is unchanged.
 */
export function assignStoredTensors(
  model: tfl.LayersModel,
  stored: readonly StoredTensor[],
  options: ResolvedLoadOptions,
  source: string,
): LoadResult {
  const { layout, prefix, ignoreExtra } = options;
  const slots = weightSlots(model, layout);
  const byKey = new Map(slots.map((slot) => [slot.key, slot]));
  const matched = new Map<WeightSlot, StoredTensor>();
  const problems: string[] = [];
  const ignored: string[] = [];
  const extras: string[] = [];

  for (const tensor of stored) {
    const name = tensor.name;
    if (prefix && !name.startsWith(prefix)) {
      if (ignoreExtra) ignored.push(name);
      else problems.push(`extra tensor ${JSON.stringify(name)}: it does not start with the prefix ${JSON.stringify(prefix)}`);
      continue;
    }
    const key = matchingKey(layout, name.slice(prefix.length));
    if (isIgnoredKey(key)) {
      ignored.push(name);
      continue;
    }
    const slot = byKey.get(key);
    if (slot === undefined) {
      if (ignoreExtra) {
        ignored.push(name);
      } else {
        extras.push(name);
        problems.push(
          `extra tensor ${JSON.stringify(name)} ${describeShape(tensor.shape)}: the model has no weight of this name in the ${layout} layout`,
        );
      }
      continue;
    }
    const previous = matched.get(slot);
    if (previous) {
      problems.push(`tensors ${JSON.stringify(previous.name)} and ${JSON.stringify(name)} are both ${slot.weight}`);
      continue;
    }
    matched.set(slot, tensor);
    if (!tensor.readable) {
      problems.push(
        `wrong dtype for tensor ${JSON.stringify(name)} (${slot.weight}): ${tensor.dtype}; weights are read from float32, float16 or bfloat16`,
      );
    }
    if (!sameShape(tensor.shape, slot.shape)) {
      problems.push(
        `shape mismatch for tensor ${JSON.stringify(name)} (${slot.weight}): the file has ${describeShape(tensor.shape)}, the model needs ${describeShape(slot.shape)}`,
      );
    }
  }
  for (const slot of slots) {
    if (!matched.has(slot)) {
      problems.push(`missing tensor ${JSON.stringify(prefix + slot.key)} for ${slot.weight}, shape ${describeShape(slot.shape)}`);
    }
  }

  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new WeightsError(
      `could not load the ${source} into model ${JSON.stringify(model.name)} (layout ${JSON.stringify(layout)}); ${count}, the model's weights are unchanged:`,
      problems,
      layoutHint(layout, matched.size, extras, slots),
    );
  }

  // Every check has passed: decode everything first, check the values, then assign.
  const values = slots.map((slot) => toModelOrder(slot.order, matched.get(slot)!.read(), slot.modelShape));
  if (!options.allowNonFinite) {
    const nonFinite = slots.flatMap((slot, index) => nonFiniteProblem(matched.get(slot)!.name, slot.weight, values[index]!));
    if (nonFinite.length > 0) {
      const count = nonFinite.length === 1 ? "1 problem" : `${nonFinite.length} problems`;
      throw new WeightsError(
        `could not load the ${source} into model ${JSON.stringify(model.name)} (layout ${JSON.stringify(layout)}); ${count}, the model's weights are unchanged:`,
        nonFinite,
      );
    }
  }
  tf.tidy(() => {
    slots.forEach((slot, index) => {
      slot.variable.write(tf.tensor(values[index]!, slot.modelShape, "float32"));
    });
  });
  return { loaded: slots.length, ignored };
}

/** The problem with a tensor that holds NaN or Infinity, or none. */
function nonFiniteProblem(name: string, weight: string, values: Float32Array): string[] {
  let count = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      count++;
      if (first < 0) first = i;
    }
  }
  if (count === 0) return [];
  return [
    `tensor ${JSON.stringify(name)} (${weight}) has ${count} non-finite value${count === 1 ? "" : "s"} (NaN or Infinity), ` +
      `the first at index ${first}; pass allowNonFinite: true to load them anyway`,
  ];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dimension, index) => dimension === b[index]);
}

/** A hint when nothing matched: most likely the wrong layout or prefix. */
function layoutHint(layout: WeightLayout, matched: number, extras: readonly string[], slots: readonly WeightSlot[]): string | undefined {
  if (matched > 0 || extras.length === 0) return undefined;
  const sample = (names: readonly string[]) => names.slice(0, 3).map((name) => JSON.stringify(name)).join(", ");
  return (
    `No tensor name matched: the file has ${sample(extras)}, ...; the ${layout} layout expects ` +
    `${sample(slots.map((slot) => slot.key))}, ... Is the layout (or the prefix) right?`
  );
}
