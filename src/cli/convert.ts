/**
 * `resnet-blocks convert in.safetensors out/ --from torchvision --depth 50`: builds the
 * net, loads the weights and writes a TensorFlow.js model directory (`model.json` and
 * weight shards) that `tf.loadLayersModel` opens. Node only (it reads and writes files);
 * it needs `@tensorflow/tfjs-backend-cpu`, but not tfjs-node.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { resnet } from "../models/resnet.js";
import { checkInteger, checkOneOf, describeValue } from "../spec/check.js";
import { PRESETS } from "../spec/presets.js";
import { DEPTHS } from "../spec/table1.js";
import type { Depth, ImageShape, Preset, ResNetOptions, ShortcutOption, StrideIn } from "../spec/types.js";
import { loadSafetensors } from "../weights/load.js";
import { WEIGHT_LAYOUTS, type WeightLayout } from "../weights/layouts.js";
import { decodeSafetensors } from "../weights/safetensors.js";
import { concatenateWeightData } from "../weights/tfjsWeights.js";

/** Options of {@link convert}. */
export interface ConvertOptions {
  /** Path of the safetensors file. */
  input: string;
  /** Directory to write `model.json` and the shards to (created if needed). */
  output: string;
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
  /** Largest shard in bytes. Default 4 MiB, as tensorflowjs_converter writes. */
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

/**
 * Converts a safetensors file into a TensorFlow.js model directory. The classifier's size
 * is read from the file (`fc.weight` or `predictions/kernel`); a file without one gives a
 * model without the top.
 *
 * @throws RangeError or TypeError for bad options; WeightsFileError or WeightsError (from
 *   {@link loadSafetensors}) if the file is broken or does not fit the net.
 */
export async function convert(options: ConvertOptions): Promise<ConvertResult> {
  const from = checkOneOf("from", options.from, WEIGHT_LAYOUTS);
  const shardBytes = checkInteger("shardBytes", options.shardBytes ?? DEFAULT_SHARD_BYTES, 1024);
  const bytes = new Uint8Array(readFileSync(options.input));
  const classes = classifierSize(bytes, from);
  const netOptions: ResNetOptions = {
    depth: checkOneOf("depth", options.depth, DEPTHS),
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
    const written = await writeLayersModel(model, options.output, shardBytes);
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

async function readyBackend(): Promise<void> {
  if (tf.engine().backendNames().length === 0) {
    try {
      await import("@tensorflow/tfjs-backend-cpu");
    } catch {
      throw new Error("convert needs a TensorFlow.js backend: npm install @tensorflow/tfjs-backend-cpu");
    }
  }
  await tf.ready();
}

/**
 * Writes `model` as a tfjs Layers model: `model.json` (topology and weights manifest) and
 * `group1-shard<i>of<n>.bin` files of at most `shardBytes`.
 */
export async function writeLayersModel(
  model: tfl.LayersModel,
  directory: string,
  shardBytes = DEFAULT_SHARD_BYTES,
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
  mkdirSync(directory, { recursive: true });
  const shards = names.map((name, i) => {
    const path = join(directory, name);
    writeFileSync(path, data.subarray(i * shardBytes, Math.min(data.length, (i + 1) * shardBytes)));
    return path;
  });
  const modelJson: tf.io.ModelJSON = {
    modelTopology: captured.modelTopology ?? {},
    format: captured.format ?? "layers-model",
    generatedBy: captured.generatedBy,
    convertedBy: "resnet-blocks convert",
    weightsManifest: [{ paths: names, weights: captured.weightSpecs }],
  };
  if (captured.trainingConfig) modelJson.trainingConfig = captured.trainingConfig;
  const jsonPath = join(directory, "model.json");
  writeFileSync(jsonPath, JSON.stringify(modelJson));
  return { modelJson: jsonPath, shards };
}


/** Usage of the `convert` command, for `--help`. */
export const CONVERT_USAGE = `resnet-blocks convert <in.safetensors> <out-dir> --from <layout> --depth <n> [options]

  Builds the net, loads the weights and writes a TensorFlow.js model (model.json and
  weight shards) that tf.loadLayersModel opens. The classifier size is read from the file.

  --from <layout>       torchvision, keras or native (required)
  --depth <n>           18, 34, 50, 101 or 152 (required)
  --plain               the plain net (no shortcuts)
  --preset <name>       paper, keras or torchvision (default: as --from; paper for native)
  --shortcut <A|B|C>    shortcut option (default from the preset)
  --stride-in <1x1|3x3> where a bottleneck puts its stride (default from the preset)
  --input <size>        input height and width of the written model (default 224), or HxW
  --shard-mb <n>        largest weight shard in MiB (default 4)
`;

/**
 * The options of {@link convert} from the command's arguments (everything after
 * `convert`).
 *
 * @throws RangeError or TypeError naming the bad argument.
 */
export function parseConvertArgs(argv: readonly string[]): ConvertOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      from: { type: "string" },
      depth: { type: "string" },
      plain: { type: "boolean" },
      preset: { type: "string" },
      shortcut: { type: "string" },
      "stride-in": { type: "string" },
      input: { type: "string" },
      "shard-mb": { type: "string" },
    },
  });
  if (positionals.length !== 2) {
    throw new RangeError(`convert needs <in.safetensors> <out-dir>; got ${positionals.length ? positionals.join(" ") : "nothing"}`);
  }
  if (values.from === undefined) throw new TypeError(`--from is required: one of ${WEIGHT_LAYOUTS.join(", ")}`);
  if (values.depth === undefined) throw new TypeError(`--depth is required: one of ${DEPTHS.join(", ")}`);
  const options: ConvertOptions = {
    input: positionals[0]!,
    output: positionals[1]!,
    from: checkOneOf("--from", values.from, WEIGHT_LAYOUTS),
    depth: checkOneOf("--depth", Number(values.depth), DEPTHS),
    residual: !values.plain,
  };
  if (values.preset !== undefined) options.preset = checkOneOf("--preset", values.preset, PRESETS);
  if (values.shortcut !== undefined) options.shortcut = checkOneOf("--shortcut", values.shortcut, ["A", "B", "C"] as const);
  if (values["stride-in"] !== undefined) options.strideIn = checkOneOf("--stride-in", values["stride-in"], ["1x1", "3x3"] as const);
  if (values.input !== undefined) {
    const match = /^(\d+)(?:x(\d+))?$/.exec(values.input);
    if (!match) throw new RangeError(`--input must be a size such as 224 or 224x160; got ${describeValue(values.input)}`);
    options.inputShape = [Number(match[1]), Number(match[2] ?? match[1]), 3];
  }
  if (values["shard-mb"] !== undefined) {
    const megabytes = Number(values["shard-mb"]);
    if (!(megabytes > 0)) throw new RangeError(`--shard-mb must be a number > 0; got ${describeValue(values["shard-mb"])}`);
    options.shardBytes = Math.round(megabytes * 1024 * 1024);
  }
  return options;
}

/**
 * Runs `resnet-blocks convert` on its arguments (everything after `convert`): converts,
 * prints what it wrote to `out` and returns the exit code (0; 2 for a usage error, 1 for
 * a file that does not load). Errors go to `err` as `resnet-blocks: <message>`.
 */
export async function runConvert(
  argv: readonly string[],
  out: { write(text: string): unknown } = process.stdout,
  err: { write(text: string): unknown } = process.stderr,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out.write(CONVERT_USAGE);
    return 0;
  }
  let options: ConvertOptions;
  try {
    options = parseConvertArgs(argv);
  } catch (error) {
    err.write(`resnet-blocks: ${error instanceof Error ? error.message : String(error)}\n\n${CONVERT_USAGE}`);
    return 2;
  }
  try {
    tf.enableProdMode(); // a command: no "install tfjs-node" banner on stderr
    const result = await convert(options);
    const top = result.options.includeTop === false ? "no top" : `${result.options.classes} classes`;
    out.write(
      `wrote ${result.modelJson} and ${result.shards.length} shard(s): resnet${options.depth} ` +
        `(${result.options.residual ? "residual" : "plain"}, preset ${result.options.preset}, ${top}), ` +
        `${result.loaded} weights loaded${result.ignored.length ? `, ${result.ignored.length} non-weights skipped` : ""}\n`,
    );
    return 0;
  } catch (error) {
    err.write(`resnet-blocks: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof RangeError || error instanceof TypeError ? 2 : 1;
  }
}
