/**
 * timm's `resolve_data_config` in our names: the preprocessing a checkpoint was evaluated with.
 *
 * @module
 */
import { describeValue } from "../../util/check.js";

/** How the resized image is cut to the input size (timm's `crop_mode`). */
export type CropMode = "center" | "squash" | "border";

/** Resampling filter (timm's `interpolation`; PIL's filter of the same name). */
export type Interpolation = "bilinear" | "bicubic" | "nearest";

/** timm's `resolve_data_config` result, in our names. */
export interface DataConfig {
  /** Channels (always 3), height and width of the network's input (timm's `input_size`). */
  readonly inputSize: readonly [channels: 3, height: number, width: number];
  /** Resampling filter of the resize (timm's `interpolation`). */
  readonly interpolation: Interpolation;
  /** Fraction of the resized image that the crop keeps, e.g. 0.875 or 0.95 (timm's `crop_pct`). */
  readonly cropPct: number;
  /** `center`: shorter side to size / cropPct, centre crop; `squash`: both sides, no aspect kept; `border`: longer side, padded with the mean colour. */
  readonly cropMode: CropMode;
  /** Per-channel mean subtracted after scaling to 0-1 (RGB order). */
  readonly mean: readonly [number, number, number];
  /** Per-channel standard deviation divided by after the mean (RGB order). */
  readonly std: readonly [number, number, number];
}

/** timm's defaults (`timm.data.constants`): 224x224, bicubic, crop 0.875, centre crop, ImageNet mean and std. */
export const DEFAULT_DATA_CONFIG: DataConfig = Object.freeze({
  inputSize: Object.freeze([3, 224, 224] as const),
  interpolation: "bicubic",
  cropPct: 0.875,
  cropMode: "center",
  mean: Object.freeze([0.485, 0.456, 0.406] as const),
  std: Object.freeze([0.229, 0.224, 0.225] as const),
});

const INTERPOLATIONS: readonly Interpolation[] = ["bilinear", "bicubic", "nearest"];
const CROP_MODES: readonly CropMode[] = ["center", "squash", "border"];
const OVERRIDE_KEYS = ["inputSize", "interpolation", "cropPct", "cropMode", "mean", "std"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkInputSize(argument: string, value: unknown): readonly [3, number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 3 &&
    value[0] === 3 &&
    value.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 1);
  if (!ok) {
    throw new RangeError(`${argument} must be [3, height, width] with positive integer height and width; got ${describeValue(value)}`);
  }
  return Object.freeze([3, value[1] as number, value[2] as number] as const);
}

function checkTriple(argument: string, value: unknown, positive: boolean): readonly [number, number, number] {
  const ok =
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === "number" && Number.isFinite(v) && (!positive || v > 0));
  if (!ok) {
    throw new RangeError(`${argument} must be three finite numbers${positive ? " > 0" : ""} (R, G, B); got ${describeValue(value)}`);
  }
  return Object.freeze([value[0] as number, value[1] as number, value[2] as number] as const);
}

function checkCropPct(argument: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 4) {
    throw new RangeError(`${argument} must be a number in (0, 4] (e.g. 0.875); got ${describeValue(value)}`);
  }
  return value;
}

function checkChoice<T extends string>(argument: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${argument} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; got ${describeValue(value)}`);
  }
  return value as T;
}

/**
 * Resolves a checkpoint's preprocessing as timm's `resolve_data_config({}, pretrained_cfg=cfg)`
 * does: each field from the config when it is set (not null, not empty), else timm's default
 * ({@link DEFAULT_DATA_CONFIG}), then `overrides` on top (as timm's `args`).
 *
 * @param pretrainedCfg A timm `pretrained_cfg` object (snake_case: `input_size`, `interpolation`,
 * `crop_pct`, `crop_mode`, `mean`, `std`), or a whole timm `config.json` object (its
 * `pretrained_cfg` is used), or `undefined`/`null`/`{}` for timm's defaults. Other keys are ignored.
 * @param overrides Fields in our names that replace the resolved ones.
 * @returns A frozen, validated {@link DataConfig}.
 * @throws TypeError if `pretrainedCfg` is not an object; RangeError naming the field
 * (`pretrainedCfg.crop_pct`, `overrides.interpolation`, ...) if a value is not accepted, e.g. an
 * interpolation other than bilinear, bicubic or nearest.
 */
export function resolveDataConfig(pretrainedCfg: unknown, overrides: Partial<DataConfig> = {}): DataConfig {
  if (pretrainedCfg != null && !isRecord(pretrainedCfg)) {
    throw new TypeError(`pretrainedCfg must be a timm pretrained_cfg object (or a config.json object); got ${describeValue(pretrainedCfg)}`);
  }
  if (!isRecord(overrides)) throw new TypeError(`overrides must be an object of DataConfig fields; got ${describeValue(overrides)}`);
  for (const key of Object.keys(overrides)) {
    if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`overrides.${key} is not a DataConfig field; accepted: ${OVERRIDE_KEYS.join(", ")}`);
    }
  }
  let cfg: Record<string, unknown> = pretrainedCfg ?? {};
  let prefix = "pretrainedCfg";
  if (isRecord(cfg.pretrained_cfg)) {
    cfg = cfg.pretrained_cfg;
    prefix = "pretrainedCfg.pretrained_cfg";
  }
  // timm tests `if cfg.get(key)`: null, 0, "" and empty lists fall back to the default.
  const set = (key: string): boolean => {
    const v = cfg[key];
    return v !== undefined && v !== null && v !== 0 && v !== "" && !(Array.isArray(v) && v.length === 0);
  };
  // Each field: the override, else the config's value, else timm's default; checked where given.
  const pick = <T>(field: keyof DataConfig, key: string, check: (argument: string, value: unknown) => T): T => {
    if (overrides[field] !== undefined) return check(`overrides.${field}`, overrides[field]);
    if (set(key)) return check(`${prefix}.${key}`, cfg[key]);
    return DEFAULT_DATA_CONFIG[field] as T;
  };
  const inputSize = pick("inputSize", "input_size", checkInputSize);
  const interpolation = pick("interpolation", "interpolation", (a, v) => checkChoice(a, v, INTERPOLATIONS));
  const cropPct = pick("cropPct", "crop_pct", checkCropPct);
  const cropMode = pick("cropMode", "crop_mode", (a, v) => checkChoice(a, v, CROP_MODES));
  const mean = pick("mean", "mean", (a, v) => checkTriple(a, v, false));
  const std = pick("std", "std", (a, v) => checkTriple(a, v, true));
  return Object.freeze({ inputSize, interpolation, cropPct, cropMode, mean, std });
}

/** Validates a {@link DataConfig} given directly (e.g. to {@link createTransforms}); returns it frozen. */
export function checkDataConfig(argument: string, config: unknown): DataConfig {
  if (!isRecord(config)) throw new TypeError(`${argument} must be a DataConfig (see resolveDataConfig); got ${describeValue(config)}`);
  for (const key of OVERRIDE_KEYS) {
    if (config[key] === undefined) throw new TypeError(`${argument}.${key} is missing; a DataConfig has ${OVERRIDE_KEYS.join(", ")} (see resolveDataConfig)`);
  }
  return Object.freeze({
    inputSize: checkInputSize(`${argument}.inputSize`, config.inputSize),
    interpolation: checkChoice(`${argument}.interpolation`, config.interpolation, INTERPOLATIONS),
    cropPct: checkCropPct(`${argument}.cropPct`, config.cropPct),
    cropMode: checkChoice(`${argument}.cropMode`, config.cropMode, CROP_MODES),
    mean: checkTriple(`${argument}.mean`, config.mean, false),
    std: checkTriple(`${argument}.std`, config.std, true),
  });
}
