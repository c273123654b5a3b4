/**
 * `createTransforms(config)`: timm's eval transform (`transforms_imagenet_eval`) and
 * torchvision's `ImageClassification` preset, on PIL's arithmetic: resize, centre crop (or pad),
 * scale to 0-1, normalise.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { checkDataConfig, type DataConfig } from "./dataConfig.js";
import { checkImageInput, toRgbPixels, type ImageInput } from "./pixels.js";
import { resizeWindow, type Pixels } from "./resample.js";

/** Preprocessing of a checkpoint, made by {@link createTransforms}. */
export interface ImageTransforms {
  /** The configuration this applies. */
  readonly config: DataConfig;
  /**
   * Decode, RGB-convert, resize, crop, scale, normalise.
   *
   * @param images One input or a list (images of any sizes; a 4-D tensor counts as its n images).
   * @returns NHWC float32 `[n, height, width, 3]` (one image gives n = 1); the caller disposes it.
   * @throws TypeError or RangeError naming the input (`images[1]`) before any decoding if an
   * input is of a kind not accepted, or an Error naming it if it cannot be read or decoded.
   */
  apply(images: ImageInput | readonly ImageInput[]): Promise<tf.Tensor4D>;
}

/** Python's `round()` (half to even) for the non-negative values used here. */
export function pythonRound(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** How one image is resized and cut, in the order of the Python pipeline. */
export interface ResizePlan {
  /** Size of the whole resized image. */
  readonly resizeWidth: number;
  /** Size of the whole resized image. */
  readonly resizeHeight: number;
  /** Filter of the resize (timm's centre mode on a non-square input always uses bilinear). */
  readonly interpolation: DataConfig["interpolation"];
  /** Offset of the output's first column in the resized image (negative: padding on the left). */
  readonly left: number;
  /** Offset of the output's first row in the resized image (negative: padding on top). */
  readonly top: number;
  /** 8-bit colour of padding pixels. */
  readonly fill: readonly [number, number, number];
}

/** One side of torchvision's `center_crop` / timm's `center_crop_or_pad`: the offset of the crop. */
function cropOffset(size: number, crop: number): number {
  if (crop > size) return -Math.floor((crop - size) / 2);
  return pythonRound((size - crop) / 2);
}

/**
 * The resize and crop that timm's `transforms_imagenet_eval(img_size, crop_pct, crop_mode,
 * interpolation)` applies to an image of `width x height`.
 */
export function planResize(config: DataConfig, width: number, height: number): ResizePlan {
  const [, outH, outW] = config.inputSize;
  const scaleH = Math.floor(outH / config.cropPct);
  const scaleW = Math.floor(outW / config.cropPct);
  let resizeHeight: number;
  let resizeWidth: number;
  let interpolation = config.interpolation;
  let fill: readonly [number, number, number] = [0, 0, 0];
  if (config.cropMode === "squash") {
    resizeHeight = scaleH;
    resizeWidth = scaleW;
  } else if (config.cropMode === "border" || scaleH !== scaleW) {
    // timm's ResizeKeepRatio: longest 1.0 (border) or 0.0 (centre, non-square target; timm
    // builds it without its interpolation, so bilinear).
    const longest = config.cropMode === "border" ? 1 : 0;
    if (config.cropMode !== "border") interpolation = "bilinear";
    const ratioH = height / scaleH;
    const ratioW = width / scaleW;
    const ratio = Math.max(ratioH, ratioW) * longest + Math.min(ratioH, ratioW) * (1 - longest);
    resizeHeight = pythonRound(height / ratio);
    resizeWidth = pythonRound(width / ratio);
    if (config.cropMode === "border") fill = config.mean.map((v) => pythonRound(255 * v)) as unknown as [number, number, number];
  } else {
    // torchvision Resize(int): the shorter side to the size, the longer int(size * long / short).
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    const newLong = Math.trunc((scaleH * long) / short);
    if (width <= height) {
      resizeWidth = scaleH;
      resizeHeight = newLong;
    } else {
      resizeHeight = scaleH;
      resizeWidth = newLong;
    }
  }
  if (resizeWidth < 1 || resizeHeight < 1) {
    throw new RangeError(`an image of ${width}x${height} would resize to ${resizeWidth}x${resizeHeight} pixels; it is too thin for input size ${outH}x${outW}`);
  }
  return {
    resizeWidth,
    resizeHeight,
    interpolation,
    left: cropOffset(resizeWidth, outW),
    top: cropOffset(resizeHeight, outH),
    fill,
  };
}

/** Resizes, crops and normalises one RGB image into `out` at `offset` (HWC float32). */
export function preprocessPixels(config: DataConfig, image: Pixels, out: Float32Array, offset: number): void {
  const [, outH, outW] = config.inputSize;
  const plan = planResize(config, image.width, image.height);
  // Window of the resized image that the crop keeps.
  const cols = { start: Math.max(plan.left, 0), end: Math.min(plan.left + outW, plan.resizeWidth) };
  const rows = { start: Math.max(plan.top, 0), end: Math.min(plan.top + outH, plan.resizeHeight) };
  const window = resizeWindow(image, plan.resizeWidth, plan.resizeHeight, plan.interpolation, cols, rows);
  const f = Math.fround;
  const mean = config.mean.map(f);
  const std = config.std.map(f);
  // ToTensor then Normalize, in float32 as PyTorch computes them: ((v / 255) - mean) / std.
  const scaled = (v: number, c: number): number => f(f(f(v / 255) - mean[c]!) / std[c]!);
  const fillValues = plan.fill.map((v, c) => scaled(v, c));
  const data = window.data;
  for (let y = 0; y < outH; y++) {
    const ry = y + plan.top - rows.start;
    const inRows = ry >= 0 && ry < window.height;
    for (let x = 0; x < outW; x++) {
      const rx = x + plan.left - cols.start;
      const d = offset + (y * outW + x) * 3;
      if (inRows && rx >= 0 && rx < window.width) {
        const s = (ry * window.width + rx) * 3;
        out[d] = scaled(data[s]!, 0);
        out[d + 1] = scaled(data[s + 1]!, 1);
        out[d + 2] = scaled(data[s + 2]!, 2);
      } else {
        out[d] = fillValues[0]!;
        out[d + 1] = fillValues[1]!;
        out[d + 2] = fillValues[2]!;
      }
    }
  }
}

/**
 * Makes the preprocessing of a checkpoint: what timm's
 * `create_transform(**resolve_data_config(...))` (eval) and torchvision's
 * `ImageClassification` preset do to a PIL image, with PIL's arithmetic, so that for PNG inputs
 * the tensor is the one PyTorch computes (to the last bit; tests check this against torchvision
 * live). The steps:
 *
 * 1. decode and convert to RGB as PIL's `convert("RGB")` (alpha dropped, grey replicated);
 * 2. `center` mode: resize the shorter side to `floor(size / cropPct)` (torchvision `Resize(int)`;
 *    for a non-square `inputSize` timm's `ResizeKeepRatio`, which is bilinear whatever the
 *    config says, as in timm), then torchvision's `CenterCrop` (padding with black if the image
 *    is smaller); `squash`: both sides to `floor(size / cropPct)`, then the crop; `border`: the
 *    longer side to `floor(size / cropPct)`, then `CenterCropOrPad` with the mean colour;
 *    resizing uses PIL's filters, antialiased when shrinking;
 * 3. `ToTensor` (divide by 255) and `Normalize(mean, std)`, in float32.
 *
 * JPEG files are decoded by jpeg-js in Node, which differs from PIL's libjpeg-turbo by a few
 * levels on some pixels (see docs/preprocessing.md for the measured bound).
 *
 * @param config A {@link DataConfig} (from {@link resolveDataConfig}).
 * @returns An {@link ImageTransforms}.
 * @throws TypeError or RangeError naming the field of `config` that is missing or not accepted.
 */
export function createTransforms(config: DataConfig): ImageTransforms {
  const checked = checkDataConfig("config", config);
  return {
    config: checked,
    async apply(images: ImageInput | readonly ImageInput[]): Promise<tf.Tensor4D> {
      const list = Array.isArray(images) ? (images as readonly ImageInput[]) : [images as ImageInput];
      const name = (i: number) => (Array.isArray(images) ? `images[${i}]` : "images");
      if (list.length === 0) throw new RangeError("images must hold at least one image; got an empty list");
      list.forEach((image, i) => checkImageInput(name(i), image));
      const [, height, width] = checked.inputSize;
      const perImage = height * width * 3;
      const decoded: Pixels[] = [];
      for (let i = 0; i < list.length; i++) decoded.push(...(await toRgbPixels(list[i]!, name(i))));
      const out = new Float32Array(decoded.length * perImage);
      decoded.forEach((image, i) => preprocessPixels(checked, image, out, i * perImage));
      return tf.tensor4d(out, [decoded.length, height, width, 3], "float32");
    },
  };
}
