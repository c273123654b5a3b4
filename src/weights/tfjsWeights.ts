/**
 * `loadTfjsWeights`: weights from TensorFlow.js artifacts (a weights manifest and its
 * binary data), as tensorflowjs_converter writes them for a Keras model, into a model by
 * weight name.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { assignStoredTensors, checkLoadArguments, type LoadOptions, type LoadResult, type StoredTensor } from "./assign.js";
import { decodeFloats } from "./dtypes.js";
import { WeightsFileError } from "./errors.js";
import { decodeFloat16 } from "./halfFloat.js";
import { describeShape } from "../util/check.js";

/**
 * The weights part of TensorFlow.js model artifacts: what `tf.io.http(url).load()`,
 * `tf.io.browserFiles([...]).load()` or any `IOHandler` returns. `weightSpecs` are the
 * manifest's `weights` entries in order (all groups concatenated), `weightData` the shards
 * concatenated (or the list of shards).
 */
export interface TfjsWeights {
  /** The manifest entries, in the order of the data. */
  weightSpecs?: tf.io.WeightsManifestEntry[];
  /** The binary data of all shards. */
  weightData?: tf.io.WeightData;
}

const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/**
 * Loads weights from TensorFlow.js artifacts into `model`, by weight name: a Keras model
 * converted by `tensorflowjs_converter --input_format=keras` loads into the `'keras'`
 * preset with `layout: 'keras'`. Float32 weights are read, also when quantized to
 * float16, uint16 or uint8 (`--quantize_*`). Everything is checked before anything is
 * assigned: on any error the model's weights are unchanged.
 *
 * @example
 * ```ts
 * // tensorflowjs_converter --input_format=keras resnet50.h5 web_model/
 * const artifacts = await tf.io.http("web_model/model.json").load();
 * const model = resnet50({ preset: "keras" });
 * loadTfjsWeights(model, artifacts, { layout: "keras" });
 * ```
 * @throws WeightsFileError if the data does not match the manifest.
 * @throws WeightsError listing every missing, extra, misshapen or wrongly typed weight.
 */
export function loadTfjsWeights(model: tfl.LayersModel, artifacts: TfjsWeights, options?: LoadOptions): LoadResult {
  const resolved = checkLoadArguments(model, options, "loadTfjsWeights");
  if (typeof artifacts !== "object" || artifacts === null || !Array.isArray(artifacts.weightSpecs) || !artifacts.weightData) {
    throw new TypeError("artifacts must have weightSpecs (the manifest's weights) and weightData (the shards' bytes)");
  }
  const data = concatenateWeightData(artifacts.weightData);
  const stored: StoredTensor[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const { name, shape, dtype, quantization } = spec;
    const storedAs = quantization?.dtype ?? dtype;
    const size = ELEMENT_BYTES[storedAs];
    if (size === undefined) {
      throw new WeightsFileError(`tfjs weights: ${JSON.stringify(name)} is stored as ${JSON.stringify(storedAs)}, which this reader does not read`);
    }
    const length = shape.reduce((product, dimension) => product * dimension, size);
    if (offset + length > data.length) {
      throw new WeightsFileError(
        `tfjs weights: ${JSON.stringify(name)} ${describeShape(shape)} ends at byte ${offset + length}, but the data is ${data.length} bytes: a shard is missing or truncated`,
      );
    }
    const bytes = data.subarray(offset, offset + length);
    offset += length;
    stored.push({
      name,
      dtype: quantization ? `${dtype} (quantized to ${quantization.dtype})` : dtype,
      shape,
      readable: dtype === "float32",
      read: () => dequantize(bytes, quantization),
    });
  }
  if (offset !== data.length) {
    throw new WeightsFileError(`tfjs weights: the data is ${data.length} bytes but the manifest describes ${offset}`);
  }
  return assignStoredTensors(model, stored, resolved, "tfjs weights");
}

/** tfjs weight data (one buffer or several shards) as one byte array. */
export function concatenateWeightData(weightData: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(weightData) ? weightData : [weightData];
  const out = new Uint8Array(buffers.reduce((total, buffer) => total + buffer.byteLength, 0));
  let offset = 0;
  for (const buffer of buffers) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out;
}

function dequantize(bytes: Uint8Array, quantization: tf.io.WeightsManifestEntry["quantization"]): Float32Array {
  if (!quantization) return decodeFloats("F32", bytes);
  if (quantization.dtype === "float16") return decodeFloat16(bytes);
  const scale = quantization.scale ?? 1;
  const min = quantization.min ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = quantization.dtype === "uint16" ? bytes.length / 2 : bytes.length;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const q = quantization.dtype === "uint16" ? view.getUint16(i * 2, true) : bytes[i]!;
    out[i] = q * scale + min;
  }
  return out;
}
