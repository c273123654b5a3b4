/**
 * Preludes of the Markdown code blocks marked `<!-- fragment: NAME -->`: what the test puts in
 * front of such a block (and the files it puts in its working folder) so that it compiles and,
 * unless also marked typecheck-only, runs. Each block runs in its own empty folder.
 *
 * A prelude defines exactly the names its blocks use but do not define; its own imports are
 * aliased (`__`), so they never clash with the block's.
 */

/** A file the test makes once and links into the working folder of each block that needs it. */
export type Fixture = "resnet50.safetensors" | "resnet18.safetensors";

/** What a fragment gets before its code. */
export interface Prelude {
  /** Code put in front of the block. */
  code: string;
  /** Files in the block's working folder. */
  files?: Fixture[];
}

export const PRELUDES: Record<string, Prelude> = {
  /** A ResNet-50 state dict in torchvision's layout (random weights), as `resnet50.safetensors`. */
  "torchvision-file": { code: "", files: ["resnet50.safetensors"] },
  /** The same for ResNet-18, as `resnet18.safetensors` (the pool examples: smaller, so the test is quicker). */
  "torchvision-file-18": { code: "", files: ["resnet18.safetensors"] },
  /** docs/weights.md: its first block (imports, a ready backend) and the torchvision file. */
  weights: {
    code: [
      `import { resnet50, useBackend } from "resnet-blocks";`,
      `import { loadSafetensors, saveSafetensors, loadTfjsWeights } from "resnet-blocks/weights";`,
      `await useBackend();`,
    ].join("\n"),
    files: ["resnet50.safetensors"],
  },
  /** docs/weights.md, Keras blocks: the model they load into. */
  "keras-model": {
    code: [
      `import { resnet50 as __resnet50 } from "resnet-blocks";`,
      `import { loadTfjsWeights } from "resnet-blocks/weights";`,
      `const model = __resnet50({ preset: "keras" });`,
    ].join("\n"),
  },
  /** docs/training.md: the model and data of the first training block. */
  "training-run": {
    code: [
      `import type { LayersModel as __LayersModel } from "@tensorflow/tfjs-layers";`,
      `import { train, type LabeledImages as __LabeledImages } from "resnet-blocks/train";`,
      `declare const model: __LayersModel;`,
      `declare const data: __LabeledImages;`,
    ].join("\n"),
  },
  /** docs/training.md: the training histories of a plain and a residual net. */
  histories: {
    code: [`import type { TrainHistory as __TrainHistory } from "resnet-blocks/train";`, `declare const plain20: __TrainHistory, resnet20: __TrainHistory;`].join(
      "\n",
    ),
  },
  /** docs/preprocessing.md: a timm config.json's contents and a built model. */
  "pretrained-parts": {
    code: [
      `import * as tf from "@tensorflow/tfjs-core";`,
      `import type { LayersModel as __LayersModel } from "@tensorflow/tfjs-layers";`,
      `import type { resolveDataConfig as __resolveDataConfig } from "resnet-blocks/pretrained";`,
      `declare const timmConfigJson: Parameters<typeof __resolveDataConfig>[0];`,
      `declare const model: __LayersModel;`,
    ].join("\n"),
  },
  /** docs/backends.md, webpack: the global webpack defines in a bundle, and the import. */
  webpack: {
    code: [`import { useBackend } from "resnet-blocks";`, `declare const __webpack_public_path__: string;`].join("\n"),
  },
};
