/**
 * `resnet-blocks convert in.safetensors out/ --from torchvision --depth 50`: builds the
 * net, loads the weights and writes a TensorFlow.js model directory (`model.json` and
 * weight shards) that `tf.loadLayersModel` opens, all or nothing (see `outputFolder.ts`).
 * Node only (it reads and writes files); it needs a backend (WASM or CPU), not tfjs-node.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../backend/index.js";
import { DEPTHS, type Depth, type ImageShape, type Preset, type ResNetOptions, type ShortcutOption, type StrideIn } from "../count/index.js";
import { resnet } from "../models/resnet.js";
import { checkBoolean, checkOneOf, describeValue } from "../util/check.js";
import { decodeSafetensors, loadSafetensors, WEIGHT_LAYOUTS, type WeightLayout } from "../weights/index.js";
import { concatenateWeightData } from "../weights/tfjsWeights.js";
import { checkOutputFolder, writeFolderAtomically, type FolderFile } from "./outputFolder.js";

/** Options of {@link convert}. */
export interface ConvertOptions {
  /** Path of the safetensors file. */
  input: string;
  /**
   * Folder to write `model.json` and the shards to: new (created, with its parents) or
   * empty, unless `force`. Written in a temporary folder beside it and moved into place.
   */
  output: string;
  /** Replace the contents of a non-empty `output` folder: only the new model's files remain. Default false. */
  force?: boolean;
  /** Layout of the file: `'torchvision'`, `'keras'` or `'native'`. */
  from: WeightLayout;
  /** Depth of the net. */
  depth: Depth;
  /** Residual (default) or plain net. */
  residual?: boolean;
  /** Preset; default `'torchvision'` from torchvision, `'keras'` from keras, `'paper'` from native. */
  preset?: Preset;
  /** Shortcut option; default the preset's. */
  shortcut?: ShortcutOption;
  /** Where a bottleneck puts its stride; default the preset's. */
  strideIn?: StrideIn;
  /** Input height, width and channels of the written model. Default `[224, 224, 3]`. */
  inputShape?: ImageShape;
  /** Largest shard in bytes, from 1024 to 1 GiB. Default 4 MiB, as tensorflowjs_converter writes. */
  shardBytes?: number;
}

/** What {@link convert} wrote. */
export interface ConvertResult {
  /** Path of `model.json`. */
  modelJson: string;
  /** Paths of the weight shards. */
  shards: string[];
  /** The options the net was built with (classes and top read from the file). */
  options: ResNetOptions;
  /** Number of weights loaded. */
  loaded: number;
  /** Tensors of the file that were skipped (`num_batches_tracked`). */
  ignored: string[];
}

const DEFAULT_PRESET: Readonly<Record<WeightLayout, Preset>> = { torchvision: "torchvision", keras: "keras", native: "paper" };
const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;
const MAX_SHARD_BYTES = 1024 * 1024 * 1024;

/**
 * Converts a safetensors file into a TensorFlow.js model directory. The classifier's size
 * is read from the file (`fc.weight` or `predictions/kernel`); a file without one gives a
 * model without the top. Every option and the output folder are checked before any work;
 * a convert that fails leaves the output folder exactly as it was.
 *
 * @throws RangeError or TypeError for bad options or an output folder that is a file or
 *   (without `force`) not empty; WeightsFileError or WeightsError (from
 *   {@link loadSafetensors}) if the file is broken or does not fit the net; an Error
 *   saying the folder is unchanged when writing fails.
 */
export async function convert(options: ConvertOptions): Promise<ConvertResult> {
  const from = checkOneOf("from", options.from, WEIGHT_LAYOUTS);
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 1024 || shardBytes > MAX_SHARD_BYTES) {
    throw new RangeError(`shardBytes must be an integer from 1024 to ${MAX_SHARD_BYTES} (1 KiB to 1 GiB); got ${describeValue(shardBytes)}`);
  }
  const depth = checkOneOf("depth", options.depth, DEPTHS);
  const force = checkBoolean("force", options.force ?? false);
  checkOutputFolder(options.output, force);
  const bytes = new Uint8Array(readFileSync(options.input));
  const classes = classifierSize(bytes, from);
  const netOptions: ResNetOptions = {
    depth,
    residual: options.residual ?? true,
    preset: options.preset ?? DEFAULT_PRESET[from],
    inputShape: options.inputShape ?? [224, 224, 3],
    ...(classes === undefined ? { includeTop: false } : { classes }),
    ...(options.shortcut === undefined ? {} : { shortcut: options.shortcut }),
    ...(options.strideIn === undefined ? {} : { strideIn: options.strideIn }),
  };
  await readyBackend();
  const model = resnet(netOptions);
  try {
    const { loaded, ignored } = loadSafetensors(model, bytes, { layout: from });
    const written = await writeLayersModel(model, options.output, { shardBytes, force });
    return { ...written, options: netOptions, loaded, ignored };
  } finally {
    model.dispose();
  }
}

/** Number of classes of the file's classifier, or undefined if it has none. */
function classifierSize(bytes: Uint8Array, layout: WeightLayout): number | undefined {
  const tensors = decodeSafetensors(bytes).tensors;
  if (layout === "torchvision") return tensors.find((t) => t.name === "fc.weight")?.shape[0];
  return tensors.find((t) => t.name === "predictions/kernel" || t.name === "predictions/kernel:0")?.shape[1];
}

/** The backend the caller set up, or the best one installed (useBackend's 'auto': tfjs-node, WASM, CPU). */
async function readyBackend(): Promise<void> {
  if (tf.engine().backendNames().length === 0) await useBackend();
  await tf.ready();
}

/** Options of {@link writeLayersModel}. */
export interface WriteLayersModelOptions {
  /** Largest shard in bytes. Default 4 MiB. */
  shardBytes?: number;
  /** Replace the contents of a non-empty folder. Default false. */
  force?: boolean;
}

/**
 * Writes `model` as a tfjs Layers model: `model.json` (topology and weights manifest) and
 * `group1-shard<i>of<n>.bin` files of at most `shardBytes`, all or nothing (a temporary
 * folder beside `directory`, moved into place).
 */
export async function writeLayersModel(
  model: tfl.LayersModel,
  directory: string,
  { shardBytes = DEFAULT_SHARD_BYTES, force = false }: WriteLayersModelOptions = {},
): Promise<{ modelJson: string; shards: string[] }> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!captured?.weightSpecs || !captured.weightData) throw new Error("internal: the model saved no weights");
  const data = concatenateWeightData(captured.weightData);
  const count = Math.max(1, Math.ceil(data.length / shardBytes));
  const names = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const files: FolderFile[] = names.map((name, i) => ({
    name,
    data: data.subarray(i * shardBytes, Math.min(data.length, (i + 1) * shardBytes)),
  }));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: captured.modelTopology ?? {},
    format: captured.format ?? "layers-model",
    generatedBy: captured.generatedBy,
    convertedBy: "resnet-blocks convert",
    weightsManifest: [{ paths: names, weights: captured.weightSpecs }],
  };
  if (captured.trainingConfig) modelJson.trainingConfig = captured.trainingConfig;
  files.push({ name: "model.json", data: new TextEncoder().encode(JSON.stringify(modelJson)) });
  writeFolderAtomically(directory, files, force);
  return { modelJson: join(directory, "model.json"), shards: names.map((name) => join(directory, name)) };
}

/**
 * Runs `resnet-blocks convert` with parsed options: converts and prints what it wrote to
 * `out`. Errors propagate to the caller (the CLI's `main`), which prints them.
 */
export async function runConvertCommand(options: ConvertOptions, out: { write(text: string): unknown }): Promise<void> {
  tf.enableProdMode(); // a command: no "install tfjs-node" banner on stderr
  const result = await convert(options);
  const top = result.options.includeTop === false ? "no top" : `${result.options.classes} classes`;
  out.write(
    `wrote ${result.modelJson} and ${result.shards.length} shard(s): resnet${options.depth} ` +
      `(${result.options.residual ? "residual" : "plain"}, preset ${result.options.preset}, ${top}), ` +
      `${result.loaded} weights loaded${result.ignored.length ? `, ${result.ignored.length} non-weights skipped` : ""}\n`,
  );
}


