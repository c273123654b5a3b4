/**
 * `pretrained(id, options)`: a timm ResNet from the Hugging Face Hub (or a local folder),
 * built, loaded and ready, with the checkpoint's own preprocessing config.
 *
 * @module
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import { fuse, type FusedModel } from "../infer/fuse/index.js";
import { resnet } from "../models/resnet.js";
import { checkKnownKeys, checkOptionsObject, describeValue } from "../util/check.js";
import type { ImageShape } from "../arch/types.js";
import { loadSafetensors } from "../weights/load.js";
import { fetchCheckpoint } from "./checkpoint.js";
import { classify, type Prediction } from "./classify.js";
import { type HubOptions, HUB_OPTION_KEYS, resolveHubOptions } from "./hub/options.js";
import type { KnownPretrainedId } from "./knownIds.js";
import type { TimmConfig } from "./timmConfig.js";
import { IMAGENET_LABELS } from "./labels/imagenetLabels.js";
import { createTransforms, type DataConfig, type ImageInput, type ImageTransforms, resolveDataConfig } from "./transforms/index.js";

/** Options of {@link pretrained}: where to fetch from and cache, and how to build the net. */
export interface PretrainedOptions extends HubOptions {
  /**
   * Input height, width and channels of the built net. Default: the checkpoint's
   * `pretrained_cfg.input_size` (as `[height, width, 3]`), or `dataConfig.inputSize` when given.
   */
  inputShape?: ImageShape;
  /** Overrides of the checkpoint's preprocessing (e.g. `{ inputSize: [3, 288, 288], cropPct: 1 }` for timm's test size). */
  dataConfig?: Partial<DataConfig>;
}

/** Options of {@link Pretrained.classify}. */
export interface PretrainedClassifyOptions {
  /** How many classes per image, most probable first. Default 5. */
  topK?: number;
  /**
   * Run on `fuse(model)` (batch norm folded, resnet-blocks' WASM kernel where the engine has
   * relaxed SIMD), made on the first call and kept until `dispose()`. Default `true`;
   * `false` runs `model.predict`.
   */
  fused?: boolean;
}

/** A loaded checkpoint: the net and what it needs. */
export interface Pretrained {
  /** The id given (repository or local path). */
  readonly id: string;
  /** The net: torchvision preset, linear (logits) top of `config.numClasses`, weights loaded. */
  readonly model: tfl.LayersModel;
  /** The checkpoint's timm config. */
  readonly config: TimmConfig;
  /** The preprocessing the checkpoint was evaluated with (timm's `resolve_data_config`). */
  readonly dataConfig: DataConfig;
  /** The checkpoint's preprocessing: images (files, bytes, elements, tensors) to the net's NHWC input. */
  readonly transforms: ImageTransforms;
  /**
   * Class names: the config's `label_names` when it has them, else the 1000 ImageNet-1k
   * names for a 1000-class head, else `undefined`.
   */
  readonly labels: readonly string[] | undefined;
  /** Where the weights came from: `<host>/<repo>@<revision>` or the local folder. */
  readonly source: string;
  /**
   * Classifies images (any {@link ImageInput}, one or a list) with the checkpoint's
   * preprocessing and labels: one list of predictions per image.
   */
  classify(input: ImageInput | readonly ImageInput[], options?: PretrainedClassifyOptions): Promise<Prediction[][]>;
  /** Frees the model's weights (and the fused model of `classify`). */
  dispose(): void;
}

const OWN_KEYS = ["inputShape", "dataConfig"] as const;

function splitOptions(options: PretrainedOptions): { hub: HubOptions; own: Pick<PretrainedOptions, (typeof OWN_KEYS)[number]> } {
  checkOptionsObject("options", options);
  checkKnownKeys(options, [...HUB_OPTION_KEYS, ...OWN_KEYS], "pretrained()");
  const { inputShape, dataConfig, ...hub } = options;
  if (dataConfig !== undefined) checkOptionsObject("dataConfig", dataConfig);
  return { hub, own: { inputShape, dataConfig } };
}

/**
 * Loads a timm ResNet by name: downloads (or takes from the cache) the repository's
 * `config.json` and `model.safetensors`, checks that the architecture is one of
 * `resnet18` ... `resnet152` (torchvision's), builds
 * `resnet({ depth, preset: "torchvision", classes: num_classes, classifierActivation: "linear" })`
 * and loads the weights in the torchvision layout.
 *
 * @example
 * ```ts
 * import { pretrained } from "resnet-blocks/pretrained";
 * const { model, dataConfig } = await pretrained("timm/resnet50.a1_in1k", {
 *   onProgress: ({ file, loaded, total }) => console.log(file, loaded, total),
 * });
 * ```
 * @param id - a Hub repository (`"timm/resnet50.a1_in1k"`, any repository in timm's format)
 *   or, in Node, a local folder or `.safetensors` path (starting with `/`, `./`, `../` or `file:`).
 * @throws TypeError or RangeError for a bad id or option; HubError for a failed download,
 *   a file missing offline, or an unsupported architecture; WeightsError when the weights
 *   do not fit the net.
 */
export async function pretrained(id: KnownPretrainedId | (string & {}), options: PretrainedOptions = {}): Promise<Pretrained> {
  const { hub, own } = splitOptions(options);
  const resolved = resolveHubOptions(hub);
  if (typeof id !== "string" || id.length === 0) throw new TypeError(`id must be a string such as "timm/resnet50.a1_in1k"; got ${describeValue(id)}`);
  const { config, weights, source } = await fetchCheckpoint(id, resolved);
  const dataConfig = resolveDataConfig(config.pretrainedCfg, own.dataConfig);
  const inputShape = own.inputShape ?? ([dataConfig.inputSize[1], dataConfig.inputSize[2], 3] as const);
  const headless = config.numClasses === 0;
  const model = resnet({
    depth: config.depth,
    preset: "torchvision",
    inputShape,
    ...(headless ? { includeTop: false, pooling: "avg" as const } : { classes: config.numClasses, classifierActivation: "linear" as const }),
    name: id.split("/").pop()!.replace(/[^\w.-]/g, "_"),
  });
  try {
    loadSafetensors(model, weights, { layout: "torchvision", ignoreExtra: headless });
  } catch (error) {
    model.dispose();
    throw error;
  }
  const labels = config.labelNames ?? (config.numClasses === 1000 ? IMAGENET_LABELS : undefined);
  const transforms = createTransforms(dataConfig);
  let fused: FusedModel | undefined;
  return {
    id,
    model,
    config,
    dataConfig,
    transforms,
    labels,
    source,
    async classify(input, options: PretrainedClassifyOptions = {}) {
      checkOptionsObject("options", options);
      checkKnownKeys(options, ["topK", "fused"], "classify");
      const { topK, fused: useFused = true } = options;
      if (headless) throw new Error(`${id} has no classifier (num_classes 0): its model outputs pooled features; use net.model.predict`);
      if (typeof useFused !== "boolean") throw new TypeError(`fused must be true or false; got ${describeValue(useFused)}`);
      const runner = useFused ? (fused ??= fuse(model)) : model;
      return classify(runner, input, { transforms, ...(labels ? { labels } : {}), ...(topK !== undefined ? { topK } : {}), outputs: headless ? "auto" : "logits" });
    },
    dispose() {
      fused?.dispose();
      fused = undefined;
      model.dispose();
    },
  };
}
