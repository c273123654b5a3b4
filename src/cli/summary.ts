/**
 * `resnet-blocks summary <model>`: its flags and the count options they give. Counting
 * only: no TensorFlow.js.
 *
 * @module
 */
import { CONVENTIONS, DEPTHS, type CountOptions, type Depth, type ResNetOptions } from "../count/index.js";
import { HELP_FLAG, integerFlag, oneOfFlag, UsageError, type FlagSpecs, type ParsedFlags } from "./flags.js";
import { conventionOptions, inputSize, NET_FLAGS } from "./netFlags.js";

/** The flags of `summary`. */
export const SUMMARY_FLAGS: FlagSpecs = {
  input: NET_FLAGS.input!,
  channels: { type: "string", accepts: "a whole number" },
  classes: { type: "string", accepts: "a whole number" },
  preset: NET_FLAGS.preset!,
  shortcut: NET_FLAGS.shortcut!,
  "stride-in": NET_FLAGS["stride-in"]!,
  "no-top": { type: "boolean" },
  convention: { type: "string", accepts: `one of ${CONVENTIONS.join(", ")}` },
  json: { type: "boolean" },
  ...HELP_FLAG,
};

/** The family beyond Table 1 by the names torchvision and Keras give them, with the preset their weights need (`--preset` overrides it). */
const VARIANTS: Readonly<Record<string, ResNetOptions>> = {
  resnet50v2: { depth: 50, preactivation: true, preset: "keras" },
  resnet101v2: { depth: 101, preactivation: true, preset: "keras" },
  resnet152v2: { depth: 152, preactivation: true, preset: "keras" },
  wide_resnet50_2: { depth: 50, widthPerGroup: 128, preset: "torchvision" },
  wide_resnet101_2: { depth: 101, widthPerGroup: 128, preset: "torchvision" },
  resnext50_32x4d: { depth: 50, groups: 32, widthPerGroup: 4, preset: "torchvision" },
  resnext101_32x8d: { depth: 101, groups: 32, widthPerGroup: 8, preset: "torchvision" },
};

/** The count options of `summary` (`--convention`), checked. */
export function summaryCountOptions({ values }: ParsedFlags): CountOptions {
  return typeof values.convention === "string" ? { convention: oneOfFlag("convention", values.convention, CONVENTIONS) } : {};
}

/**
 * The count options of `summary <model>` from its parsed flags.
 *
 * @throws UsageError naming the model or the flag that is wrong.
 */
export function summaryOptions({ positionals, values }: ParsedFlags): ResNetOptions {
  if (positionals.length !== 1) {
    throw new UsageError(`usage: resnet-blocks summary <model>; got ${positionals.length ? positionals.join(" ") : "no model"}`);
  }
  const model = positionals[0]!;
  const match = /^(resnet|plain)(\d+)$/.exec(model);
  const depth = DEPTHS.find((d) => String(d) === match?.[2]);
  const variant = Object.hasOwn(VARIANTS, model) ? VARIANTS[model] : undefined;
  if ((!match || depth === undefined) && !variant) {
    throw new UsageError(
      `model must be one of ${DEPTHS.map((d) => `resnet${d}`).join(", ")} or plain18 ... plain152, or ${Object.keys(VARIANTS).join(", ")}; got ${JSON.stringify(model)}`,
    );
  }
  const [height, width] = inputSize(values) ?? [224, 224];
  const channels = typeof values.channels === "string" ? integerFlag("channels", values.channels, 1) : 3;
  const options: ResNetOptions = {
    ...(variant ?? { depth: depth as Depth, residual: match![1] === "resnet" }),
    inputShape: [height, width, channels],
    classes: typeof values.classes === "string" ? integerFlag("classes", values.classes, 1) : 1000,
    includeTop: values["no-top"] !== true,
    ...conventionOptions(values),
  };
  if (values["no-top"] === true) options.pooling = "avg";
  return options;
}
