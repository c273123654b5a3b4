/**
 * The `resnet-blocks` command: `table1`, `summary <model>`, `convert`, `--help`. `table1`
 * and `summary` load only the counters, never TensorFlow.js, so they start in milliseconds;
 * `convert` loads tfjs when it runs, and says which packages to install where they are
 * missing. Every command's flags are parsed once, by `flags.ts`. This module only exports
 * {@link main}; `bin.ts` runs it.
 *
 * @module
 */
import { count } from "../count/count.js";
import { summaryTable } from "../count/summary.js";
import { table1 } from "../count/table1.js";
import { CONVERT_FLAGS, CONVERT_USAGE, convertOptions } from "./convertArgs.js";
import { EXPORT_FLAGS, EXPORT_USAGE, exportOptions } from "./exportArgs.js";
import { HELP_FLAG, parseFlags, UsageError, type FlagSpecs } from "./flags.js";
import { checkOutputFile } from "./outputFile.js";
import { checkOutputFolder } from "./outputFolder.js";
import { SUMMARY_FLAGS, summaryCountOptions, summaryOptions } from "./summary.js";

const HELP = `resnet-blocks: ResNets of He et al. (2015), Table 1, counted exactly.

Usage:
  resnet-blocks table1                      Table 1 in Markdown, computed figures beside the paper's
  resnet-blocks summary <model> [options]   per-stage output shape, parameters and MACs
  resnet-blocks convert <in.safetensors> <out-dir> --from torchvision|keras|native --depth <n>
                                            safetensors weights to a tfjs model (convert --help)
  resnet-blocks export <model.json | in.safetensors --depth <n>> <out.onnx>
                                            the net as ONNX for onnxruntime or Triton (export --help)
  resnet-blocks --help | --version

<model>: resnet18, resnet34, resnet50, resnet101, resnet152, plain18 ... plain152,
         resnet50v2, resnet101v2, resnet152v2 (Keras; keras preset), wide_resnet50_2,
         wide_resnet101_2, resnext50_32x4d, resnext101_32x8d (torchvision; torchvision preset)

summary options:
  --input <size>        input height and width (default 224; at least 32), or HxW
  --channels <n>        input channels (default 3)
  --classes <n>         classes of the top (default 1000)
  --preset <name>       paper (default), keras or torchvision
  --shortcut <A|B|C>    shortcut option (default B)
  --stride-in <1x1|3x3> where a bottleneck puts its stride (default from the preset)
  --no-top              without the pooling and the classifier
  --json                the full report (totals, stages, layers) as JSON
  --convention <tool>   also the total as another counter reports it: paper, fvcore,
                        ptflops, thop, calflops, torch-flop-counter, keras-flops (docs/flops.md)

MACs are multiply-adds of convolutions and dense layers (the paper's "FLOPs");
FLOPs = 2 x MACs. Other operations are reported apart, as extra FLOPs.
`;

/** Where the CLI writes: `process.stdout`, `process.stderr`, or anything with `write`. */
export interface Output {
  /** Writes text. */
  write(text: string): unknown;
}

/** The flags of each command. */
const COMMAND_FLAGS: Readonly<Record<string, FlagSpecs>> = { table1: HELP_FLAG, summary: SUMMARY_FLAGS, convert: CONVERT_FLAGS, export: EXPORT_FLAGS };

/** The flags accepted before a command. */
const GLOBAL_FLAGS: FlagSpecs = { ...HELP_FLAG, version: { type: "boolean" } };

/** The packages `convert` needs, as the message for a project without them names them. */
export const CONVERT_PACKAGES = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-layers", "@tensorflow/tfjs-backend-wasm"] as const;

/**
 * Runs the CLI on `argv` (without `node` and the script); resolves to the exit code: 0,
 * 2 for a usage mistake (unknown command or flag, bad value), 1 for anything else (a file
 * that does not load, a missing package). Errors go to `err` as `resnet-blocks: <message>`.
 *
 * @example
 * ```ts
 * const code = await main(["summary", "resnet50", "--json"]); // prints the report, 0
 * ```
 */
export async function main(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const first = argv[0];
  const command = first !== undefined && !first.startsWith("-") ? first : undefined;
  try {
    if (command === undefined) {
      const { values } = parseFlags("", argv, GLOBAL_FLAGS);
      if (values.help) return write(out, HELP);
      if (values.version) return write(out, `${VERSION}\n`);
      throw new UsageError("a command is needed");
    }
    if (command === "help") return write(out, HELP);
    const flags = Object.hasOwn(COMMAND_FLAGS, command) ? COMMAND_FLAGS[command] : undefined;
    if (flags === undefined) {
      throw new UsageError(`unknown command ${JSON.stringify(command)}; commands: ${Object.keys(COMMAND_FLAGS).join(", ")}, help`);
    }
    const parsed = parseFlags(command, argv.slice(1), flags);
    if (parsed.values.help) return write(out, command === "convert" ? CONVERT_USAGE : command === "export" ? EXPORT_USAGE : HELP);
    if (command === "table1") {
      if (parsed.positionals.length > 0) throw new UsageError(`usage: resnet-blocks table1; got ${parsed.positionals.join(" ")}`);
      return write(out, table1());
    }
    if (command === "summary") {
      const report = count(summaryOptions(parsed), summaryCountOptions(parsed));
      return write(out, parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : summaryTable(report));
    }
    if (command === "export") {
      const options = exportOptions(parsed);
      checkOutputFile(options.output, options.force ?? false); // before TensorFlow.js loads
      const { runExportCommand } = await import("./export.js");
      await runExportCommand(options, out);
      return 0;
    }
    const options = convertOptions(parsed);
    checkOutputFolder(options.output, options.force ?? false); // before TensorFlow.js loads
    const { runConvertCommand } = await loadConvert();
    await runConvertCommand(options, out);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const help = command === "convert" || command === "export" ? `resnet-blocks ${command} --help` : "resnet-blocks --help";
    const usage = error instanceof UsageError || error instanceof RangeError || error instanceof TypeError;
    err.write(`resnet-blocks: ${message}\n${usage ? `Run ${help} for usage.\n` : ""}`);
    return usage ? 2 : 1;
  }
}

function write(out: Output, text: string): number {
  out.write(text);
  return 0;
}

/** The convert module (and with it TensorFlow.js), or an error naming the packages to install. */
async function loadConvert(): Promise<typeof import("./convert.js")> {
  try {
    return await import("./convert.js");
  } catch (error) {
    const missing = /Cannot find (?:package|module) '(@tensorflow\/[^'/]+)/.exec(error instanceof Error ? error.message : "")?.[1];
    if ((error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND" || missing === undefined) throw error;
    throw new Error(`convert needs TensorFlow.js, and ${missing} is not installed here. Install it with:\n  npm install ${CONVERT_PACKAGES.join(" ")}`);
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "unknown";
