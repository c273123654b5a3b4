/**
 * Reads timm's `config.json` (what `timm.models.push_to_hf_hub` writes beside
 * `model.safetensors`): `architecture`, `num_classes`, `num_features`, `pretrained_cfg`
 * and, in some repositories, `label_names`. Only the ResNets with torchvision's
 * architecture are accepted.
 *
 * @module
 */
import { describeValue } from "../util/check.js";
import type { Depth } from "../arch/types.js";
import { HubError } from "./hub/errors.js";

/** The timm architectures `pretrained()` builds: torchvision's ResNets. */
export const SUPPORTED_ARCHITECTURES = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"] as const;

/** One of {@link SUPPORTED_ARCHITECTURES}. */
export type SupportedArchitecture = (typeof SUPPORTED_ARCHITECTURES)[number];

/** The parts of a timm `config.json` that `pretrained()` uses, checked. */
export interface TimmConfig {
  /** `resnet18` ... `resnet152`. */
  architecture: SupportedArchitecture;
  /** The depth of Table 1 that the architecture names. */
  depth: Depth;
  /** Classes of the classifier; 0 for a checkpoint without one (pooled features out). */
  numClasses: number;
  /** `pretrained_cfg` as it is in the file (input size, interpolation, crop, mean, std, ...). */
  pretrainedCfg: Record<string, unknown>;
  /** `label_names`, when the repository has them (one name a class). */
  labelNames?: readonly string[];
  /** The whole file, parsed. */
  raw: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks a parsed timm `config.json`.
 *
 * @param json - the parsed file.
 * @param source - what the file is (id and file name), for messages.
 * @throws HubError naming the source and the field when the config is not timm's format,
 *   or names an architecture other than {@link SUPPORTED_ARCHITECTURES} (the message lists them).
 */
export function readTimmConfig(json: unknown, source: string): TimmConfig {
  if (!isRecord(json)) throw new HubError(`${source}: config.json must be a JSON object; got ${describeValue(json)}`);
  const architecture = json.architecture;
  if (typeof architecture !== "string") {
    throw new HubError(
      `${source}: config.json has no "architecture" string (got ${describeValue(architecture)}): it is not a timm model config`,
    );
  }
  if (!(SUPPORTED_ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new HubError(
      `${source}: architecture "${architecture}" is not supported; pretrained() builds ${SUPPORTED_ARCHITECTURES.join(", ")} ` +
        `(timm's ResNets with torchvision's stem and shortcuts; variants such as resnet50d, resnet26 or other families are refused)`,
    );
  }
  const pretrainedCfg = json.pretrained_cfg ?? {};
  if (!isRecord(pretrainedCfg)) {
    throw new HubError(`${source}: config.json "pretrained_cfg" must be an object; got ${describeValue(pretrainedCfg)}`);
  }
  const numClasses = json.num_classes ?? pretrainedCfg.num_classes ?? 1000;
  if (typeof numClasses !== "number" || !Number.isInteger(numClasses) || numClasses < 0) {
    throw new HubError(`${source}: config.json "num_classes" must be an integer >= 0; got ${describeValue(numClasses)}`);
  }
  const labels = json.label_names;
  let labelNames: string[] | undefined;
  if (labels !== undefined) {
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string") || (numClasses > 0 && labels.length !== numClasses)) {
      throw new HubError(
        `${source}: config.json "label_names" must be ${numClasses} strings (num_classes); got ${describeValue(labels)}`,
      );
    }
    labelNames = labels as string[];
  }
  return {
    architecture: architecture as SupportedArchitecture,
    depth: Number(architecture.slice("resnet".length)) as Depth,
    numClasses,
    pretrainedCfg,
    ...(labelNames ? { labelNames } : {}),
    raw: json,
  };
}
