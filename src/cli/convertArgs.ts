/**
 * `resnet-blocks convert`: its flags, its usage text and the {@link ConvertOptions} they
 * give. No TensorFlow.js here, so that `convert --help` and flag mistakes are answered
 * where tfjs is not installed.
 *
 * @module
 */
import { DEPTHS } from "../count/index.js";
import { WEIGHT_LAYOUTS } from "../weights/layouts.js";
import type { ConvertOptions } from "./convert.js";
import { HELP_FLAG, oneOfFlag, parseFlags, UsageError, type FlagSpecs, type ParsedFlags } from "./flags.js";
import { conventionOptions, inputSize, NET_FLAGS } from "./netFlags.js";

/** Smallest and largest `--shard-mb`, in MiB (1 KiB to 1 GiB a shard). */
export const SHARD_MB_RANGE = { min: 0.001, max: 1024 } as const;

/** The flags of `convert`. */
export const CONVERT_FLAGS: FlagSpecs = {
  from: { type: "string", accepts: `one of ${WEIGHT_LAYOUTS.join(", ")}` },
  depth: { type: "string", accepts: `one of ${DEPTHS.join(", ")}` },
  plain: { type: "boolean" },
  ...NET_FLAGS,
  "shard-mb": { type: "string", accepts: `a number of MiB from ${SHARD_MB_RANGE.min} to ${SHARD_MB_RANGE.max}` },
  force: { type: "boolean" },
  ...HELP_FLAG,
};

/** Usage of the `convert` command, for `--help`. */
export const CONVERT_USAGE = `resnet-blocks convert <in.safetensors> <out-dir> --from <layout> --depth <n> [options]

  Builds the net, loads the weights and writes a TensorFlow.js model (model.json and
  weight shards) that tf.loadLayersModel opens. The classifier size is read from the file.
  The model is written to a temporary folder beside <out-dir> and moved into place, so a
  failed convert leaves <out-dir> as it was. Needs @tensorflow/tfjs-core,
  @tensorflow/tfjs-layers and a backend (@tensorflow/tfjs-backend-wasm or -cpu).

  --from <layout>       torchvision, keras or native (required)
  --depth <n>           18, 34, 50, 101 or 152 (required)
  --plain               the plain net (no shortcuts)
  --preset <name>       paper, keras or torchvision (default: as --from; paper for native)
  --shortcut <A|B|C>    shortcut option (default from the preset)
  --stride-in <1x1|3x3> where a bottleneck puts its stride (default from the preset)
  --input <size>        input height and width of the written model (default 224), or HxW
  --shard-mb <n>        largest weight shard in MiB, ${SHARD_MB_RANGE.min} to ${SHARD_MB_RANGE.max} (default 4)
  --force               replace the files of a non-empty <out-dir> (only the new model's stay)
`;

/**
 * The options of `convert` from its parsed flags.
 *
 * @throws UsageError naming the argument or flag that is missing or wrong.
 */
export function convertOptions({ positionals, values }: ParsedFlags): ConvertOptions {
  if (positionals.length !== 2) {
    throw new UsageError(`convert needs <in.safetensors> <out-dir>; got ${positionals.length ? positionals.join(" ") : "nothing"}`);
  }
  if (typeof values.from !== "string") throw new UsageError(`--from is required: one of ${WEIGHT_LAYOUTS.join(", ")}`);
  if (typeof values.depth !== "string") throw new UsageError(`--depth is required: one of ${DEPTHS.join(", ")}`);
  const options: ConvertOptions = {
    input: positionals[0]!,
    output: positionals[1]!,
    from: oneOfFlag("from", values.from, WEIGHT_LAYOUTS),
    depth: oneOfFlag("depth", values.depth, DEPTHS),
    residual: values.plain !== true,
    ...conventionOptions(values),
  };
  const size = inputSize(values);
  if (size) options.inputShape = [size[0], size[1], 3];
  if (typeof values["shard-mb"] === "string") options.shardBytes = shardBytes(values["shard-mb"]);
  if (values.force === true) options.force = true;
  return options;
}

function shardBytes(text: string): number {
  const megabytes = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!(megabytes >= SHARD_MB_RANGE.min && megabytes <= SHARD_MB_RANGE.max)) {
    throw new UsageError(`--shard-mb must be a number of MiB from ${SHARD_MB_RANGE.min} to ${SHARD_MB_RANGE.max}; got ${JSON.stringify(text)}`);
  }
  return Math.round(megabytes * 1024 * 1024);
}

/**
 * The options of `convert` from the command's arguments (everything after `convert`).
 *
 * @throws UsageError naming the bad argument.
 */
export function parseConvertArgs(argv: readonly string[]): ConvertOptions {
  return convertOptions(parseFlags("convert", argv, CONVERT_FLAGS));
}
