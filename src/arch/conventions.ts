/**
 * The one place where a preset and the user's overrides become the conventions every layer
 * is described with. `resnetSpec`, `cifarResnetSpec` and the standalone blocks all call it.
 *
 * @module
 */
import { checkBoolean, checkOneOf } from "../util/check.js";
import { PRESET_CONVENTIONS, type PresetConventions } from "./presets.js";
import type { Preset, ShortcutOption, StrideIn } from "./types.js";
import { PRESETS, SHORTCUTS, STRIDES_IN } from "./values.js";

/** Overrides of a preset's conventions; an unset field takes the preset's value. */
export interface ConventionOverrides {
  /** Shortcut option. */
  shortcut?: ShortcutOption;
  /** Where a bottleneck puts its stride. */
  strideIn?: StrideIn;
  /** Whether the last batch norm of a residual branch starts at gamma = 0. */
  zeroInitResidual?: boolean;
}

/**
 * Checks `preset` and the overrides and returns the conventions they stand for.
 *
 * @param preset The preset, `undefined` for `'paper'`.
 * @throws RangeError or TypeError naming the bad option, its value and what is accepted.
 */
export function resolveConventions(preset: unknown, overrides: ConventionOverrides): PresetConventions & { preset: Preset } {
  const name = checkOneOf("preset", preset ?? "paper", PRESETS);
  const base = PRESET_CONVENTIONS[name];
  return {
    ...base,
    preset: name,
    shortcut: checkOneOf("shortcut", overrides.shortcut ?? base.shortcut, SHORTCUTS),
    strideIn: checkOneOf("strideIn", overrides.strideIn ?? base.strideIn, STRIDES_IN),
    zeroInitResidual: checkBoolean("zeroInitResidual", overrides.zeroInitResidual ?? base.zeroInitResidual),
  };
}
