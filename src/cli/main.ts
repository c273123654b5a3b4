/**
 * The `resnet-blocks` command: `table1`, `summary <model>`, `convert`, `--help`. `table1`
 * and `summary` load only the counters, never TensorFlow.js, so they start in milliseconds;
 * `convert` loads tfjs when it runs.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { count } from "../count/count.js";
import { summaryTable } from "../count/summary.js";
import { table1 } from "../count/table1.js";
import { DEPTHS } from "../spec/table1.js";
import type { Depth, Preset, ResNetOptions } from "../spec/types.js";

const HELP = `resnet-blocks: ResNets of He et al. (2015), Table 1, counted exactly.

Usage:
  resnet-blocks table1                      Table 1 in Markdown, computed figures beside the paper's
  resnet-blocks summary <model> [options]   per-stage output shape, parameters and MACs
  resnet-blocks convert <in.safetensors> <out-dir> --from torchvision|keras|native --depth <n>
                                            safetensors weights to a tfjs model (convert --help)
  resnet-blocks --help | --version

<model>: resnet18, resnet34, resnet50, resnet101, resnet152, plain18 ... plain152

summary options:
  --input <size>        input height and width (default 224; at least 32), or HxW
  --channels <n>        input channels (default 3)
  --classes <n>         classes of the top (default 1000)
  --preset <name>       paper (default), keras or torchvision
  --shortcut <A|B|C>    shortcut option (default B)
  --stride-in <1x1|3x3> where a bottleneck puts its stride (default from the preset)
  --no-top              without the pooling and the classifier
  --json                the full report (totals, stages, layers) as JSON

MACs are multiply-adds of convolutions and dense layers (the paper's "FLOPs");
FLOPs = 2 x MACs. Other operations are reported apart, as extra FLOPs.
`;

/** Runs the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], out = process.stdout, err = process.stderr): Promise<number> {
  if (argv[0] === "convert") {
    // Loaded only here, so that table1 and summary never load TensorFlow.js.
    const { runConvert } = await import("./convert.js");
    return runConvert(argv.slice(1), out, err);
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        input: { type: "string" },
        channels: { type: "string" },
        classes: { type: "string" },
        preset: { type: "string" },
        shortcut: { type: "string" },
        "stride-in": { type: "string" },
        "no-top": { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === "help") {
      out.write(HELP);
      return 0;
    }
    if (values.version) {
      out.write(`${VERSION}\n`);
      return 0;
    }
    if (command === "table1") {
      expectArguments(rest, 0, "table1");
      out.write(table1());
      return 0;
    }
    if (command === "summary") {
      expectArguments(rest, 1, "summary <model>");
      const options = summaryOptions(rest[0]!, values);
      const report = count(options);
      out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : summaryTable(report));
      return 0;
    }
    throw new UsageError(command === undefined ? "a command is needed" : `unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    err.write(`resnet-blocks: ${message}\nRun resnet-blocks --help for usage.\n`);
    return error instanceof UsageError || error instanceof RangeError || error instanceof TypeError ? 2 : 1;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === "string" ? __VERSION__ : "unknown";

class UsageError extends Error {}

function expectArguments(rest: readonly string[], count: number, usage: string): void {
  if (rest.length !== count) {
    throw new UsageError(`usage: resnet-blocks ${usage}; got ${rest.length ? rest.join(" ") : "no model"}`);
  }
}

function summaryOptions(model: string, values: Record<string, string | boolean | undefined>): ResNetOptions {
  const match = /^(resnet|plain)(\d+)$/.exec(model);
  const depth = match ? Number(match[2]) : Number.NaN;
  if (!match || !DEPTHS.includes(depth as Depth)) {
    throw new UsageError(
      `model must be one of ${DEPTHS.map((d) => `resnet${d}`).join(", ")} or plain18 ... plain152; got ${JSON.stringify(model)}`,
    );
  }
  const [height, width] = parseSize(values.input as string | undefined);
  const options: ResNetOptions = {
    depth: depth as Depth,
    residual: match[1] === "resnet",
    inputShape: [height, width, integerFlag("channels", values.channels as string | undefined, 3)],
    classes: integerFlag("classes", values.classes as string | undefined, 1000),
    includeTop: !values["no-top"],
  };
  if (values.preset !== undefined) options.preset = values.preset as Preset;
  if (values.shortcut !== undefined) options.shortcut = values.shortcut as ResNetOptions["shortcut"];
  if (values["stride-in"] !== undefined) options.strideIn = values["stride-in"] as ResNetOptions["strideIn"];
  if (values["no-top"]) options.pooling = "avg";
  return options;
}

function parseSize(text: string | undefined): [number, number] {
  if (text === undefined) return [224, 224];
  const match = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (!match) throw new UsageError(`--input must be a size such as 224 or 224x160; got ${JSON.stringify(text)}`);
  return [Number(match[1]), Number(match[2] ?? match[1])];
}

function integerFlag(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag} must be a whole number; got ${JSON.stringify(text)}`);
  return Number(text);
}

process.exitCode = await main(process.argv.slice(2));
