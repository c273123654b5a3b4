/**
 * `resnet-blocks export`: its flags, its usage text and the {@link ExportOptions} they give.
 * No TensorFlow.js here, so that `export --help` and flag mistakes are answered where tfjs
 * is not installed.
 *
 * @module
 */
import { DEPTHS } from "../count/index.js";
import { ONNX_INPUT_LAYOUTS, ONNX_OPSET_RANGE } from "../onnx/options.js";
import { WEIGHT_LAYOUTS } from "../weights/layouts.js";
import type { ExportOptions } from "./export.js";
import { HELP_FLAG, integerFlag, oneOfFlag, parseFlags, UsageError, type FlagSpecs, type ParsedFlags } from "./flags.js";
import { conventionOptions, inputSize, NET_FLAGS } from "./netFlags.js";

/** The flags of `export`. */
export const EXPORT_FLAGS: FlagSpecs = {
  depth: { type: "string", accepts: `one of ${DEPTHS.join(", ")}` },
  plain: { type: "boolean" },
  from: { type: "string", accepts: `one of ${WEIGHT_LAYOUTS.join(", ")}` },
  ...NET_FLAGS,
  layout: { type: "string", accepts: `one of ${ONNX_INPUT_LAYOUTS.join(", ")}` },
  "fold-bn": { type: "boolean" },
  opset: { type: "string", accepts: `a whole number from ${ONNX_OPSET_RANGE.min} to ${ONNX_OPSET_RANGE.max}` },
  name: { type: "string", accepts: "a model name" },
  weights: { type: "string", accepts: "where the weights came from" },
  force: { type: "boolean" },
  ...HELP_FLAG,
};

/** Usage of the `export` command, for `--help`. */
export const EXPORT_USAGE = `resnet-blocks export <model.json | weights.safetensors> <out.onnx> [options]

  Writes the net as an ONNX file for onnxruntime (native, CUDA, -node, -web) or Triton:
  batch dimension dynamic, input "input", output "output" (and "logits" for a softmax top).
  From a TensorFlow.js model.json (beside its weight shards), or from a safetensors file and
  the net's description (--depth required; the classifier size is read from the file).
  The file is written beside <out.onnx> and renamed into place: a failed export leaves it
  as it was. Needs @tensorflow/tfjs-core, @tensorflow/tfjs-layers and a backend.

  --depth <n>           18, 34, 50, 101 or 152 (safetensors only; required there)
  --plain               the plain net (no shortcuts)
  --preset <name>       paper, keras or torchvision (default paper; written to the metadata)
  --from <layout>       layout of the safetensors file: torchvision, keras or native
                        (default: torchvision for --preset torchvision, keras for keras, else native)
  --shortcut <A|B|C>    shortcut option (default from the preset)
  --stride-in <1x1|3x3> where a bottleneck puts its stride (default from the preset)
  --input <size>        input height and width (default 224), or HxW (safetensors only)
  --layout <NCHW|NHWC>  layout of the graph's input (default NCHW, as onnxruntime's and PyTorch's)
  --fold-bn             fold batch norm into the convolutions (default: BatchNormalization nodes kept)
  --opset <n>           ONNX opset, ${ONNX_OPSET_RANGE.min} to ${ONNX_OPSET_RANGE.max} (default 17)
  --name <text>         model name in the metadata (default the model's)
  --weights <text>      origin of the weights in the metadata (default the input file's name)
  --force               replace an existing <out.onnx>
`;

/**
 * The options of `export` from its parsed flags.
 *
 * @throws UsageError naming the argument or flag that is missing or wrong.
 */
export function exportOptions({ positionals, values }: ParsedFlags): ExportOptions {
  if (positionals.length !== 2) {
    throw new UsageError(`export needs <model.json | weights.safetensors> <out.onnx>; got ${positionals.length ? positionals.join(" ") : "nothing"}`);
  }
  const [input, output] = positionals as [string, string];
  const kind = input.endsWith(".json") ? "tfjs" : input.endsWith(".safetensors") ? "safetensors" : undefined;
  if (kind === undefined) throw new UsageError(`the input must be a TensorFlow.js model.json or a .safetensors file; got ${JSON.stringify(input)}`);
  if (!output.endsWith(".onnx")) throw new UsageError(`<out.onnx> must end in .onnx; got ${JSON.stringify(output)}`);
  const net = conventionOptions(values);
  const options: ExportOptions = { input, output, ...(net.preset ? { preset: net.preset } : {}) };
  if (kind === "safetensors") {
    if (typeof values.depth !== "string") throw new UsageError(`--depth is required for a safetensors input: one of ${DEPTHS.join(", ")}`);
    options.net = { depth: oneOfFlag("depth", values.depth, DEPTHS), residual: values.plain !== true, ...net };
    if (typeof values.from === "string") options.from = oneOfFlag("from", values.from, WEIGHT_LAYOUTS);
    const size = inputSize(values);
    if (size) options.net.inputShape = [size[0], size[1], 3];
  } else {
    for (const flag of ["depth", "plain", "from", "shortcut", "stride-in", "input"]) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} describes a net built from safetensors; a model.json already holds its net`);
    }
  }
  if (typeof values.layout === "string") options.inputLayout = oneOfFlag("layout", values.layout, ONNX_INPUT_LAYOUTS);
  if (values["fold-bn"] === true) options.foldBatchNorm = true;
  if (typeof values.opset === "string") {
    const opset = integerFlag("opset", values.opset, ONNX_OPSET_RANGE.min);
    if (opset > ONNX_OPSET_RANGE.max) throw new UsageError(`--opset must be a whole number from ${ONNX_OPSET_RANGE.min} to ${ONNX_OPSET_RANGE.max}; got ${JSON.stringify(values.opset)}`);
    options.opset = opset;
  }
  if (typeof values.name === "string") options.name = values.name;
  if (typeof values.weights === "string") options.weights = values.weights;
  if (values.force === true) options.force = true;
  return options;
}

/**
 * The options of `export` from the command's arguments (everything after `export`).
 *
 * @throws UsageError naming the bad argument.
 */
export function parseExportArgs(argv: readonly string[]): ExportOptions {
  return exportOptions(parseFlags("export", argv, EXPORT_FLAGS));
}
