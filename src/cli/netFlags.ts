/**
 * The flags that choose a net's conventions, shared by `summary` and `convert`:
 * `--preset`, `--shortcut`, `--stride-in` and `--input`.
 *
 * @module
 */
import { PRESETS, SHORTCUTS, STRIDES_IN, type Preset, type ResNetOptions, type ShortcutOption, type StrideIn } from "../count/index.js";
import { oneOfFlag, sizeFlag, type FlagSpecs } from "./flags.js";

/** The flags of the net's conventions. */
export const NET_FLAGS: FlagSpecs = {
  preset: { type: "string", accepts: `one of ${PRESETS.join(", ")}` },
  shortcut: { type: "string", accepts: `one of ${SHORTCUTS.join(", ")}` },
  "stride-in": { type: "string", accepts: `one of ${STRIDES_IN.join(", ")}` },
  input: { type: "string", accepts: "a size such as 224 or 224x160" },
};

/** The options `--preset`, `--shortcut` and `--stride-in` give, each checked (only those given). */
export function conventionOptions(values: Readonly<Record<string, string | true>>): Pick<ResNetOptions, "preset" | "shortcut" | "strideIn"> {
  const options: { preset?: Preset; shortcut?: ShortcutOption; strideIn?: StrideIn } = {};
  if (typeof values.preset === "string") options.preset = oneOfFlag("preset", values.preset, PRESETS);
  if (typeof values.shortcut === "string") options.shortcut = oneOfFlag("shortcut", values.shortcut, SHORTCUTS);
  if (typeof values["stride-in"] === "string") options.strideIn = oneOfFlag("stride-in", values["stride-in"], STRIDES_IN);
  return options;
}

/** `--input` as `[height, width]`, or `undefined` when not given. */
export function inputSize(values: Readonly<Record<string, string | true>>): [number, number] | undefined {
  return typeof values.input === "string" ? sizeFlag("input", values.input) : undefined;
}
