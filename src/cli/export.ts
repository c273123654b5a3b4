/**
 * `resnet-blocks export model.json out.onnx` or `export weights.safetensors out.onnx
 * --depth 50 --preset torchvision`: loads or builds the net and writes it as ONNX with
 * `toOnnx` (resnet-blocks/onnx), all or nothing (see `outputFile.ts`). Node only; it
 * needs a backend (WASM or CPU), not tfjs-node.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { useBackend } from "../backend/index.js";
import type { Preset, ResNetOptions } from "../count/index.js";
import { registerGroupedConv2D } from "../layers/groupedConv2d.js";
import { registerZeroPadShortcut } from "../layers/zeroPadShortcut.js";
import { resnet } from "../models/resnet.js";
import { exportOnnx, type OnnxExport, type ToOnnxOptions } from "../onnx/index.js";
import { decodeSafetensors, loadSafetensors, type WeightLayout } from "../weights/index.js";
import { writeFileAtomically } from "./outputFile.js";

/** Options of {@link exportCommand}. */
export interface ExportOptions extends Pick<ToOnnxOptions, "inputLayout" | "foldBatchNorm" | "opset" | "name" | "weights"> {
  /** A TensorFlow.js `model.json` (shards beside it) or a `.safetensors` file (then `net` is needed). */
  input: string;
  /** The `.onnx` file to write: new, or replaced with `force`. */
  output: string;
  /** Replace an existing `output`. Default false. */
  force?: boolean;
  /** The net of a safetensors input (classes and top read from the file). */
  net?: Omit<ResNetOptions, "classes" | "includeTop">;
  /** Layout of a safetensors input; default from the preset (torchvision, keras, else native). */
  from?: WeightLayout;
  /** Preset, written to the metadata (and the net's preset for a safetensors input). */
  preset?: Preset;
}

/** What {@link exportCommand} wrote. */
export interface ExportResult extends Omit<OnnxExport, "bytes"> {
  /** Path of the written file. */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Weights loaded from a safetensors input (0 for model.json). */
  loaded: number;
}

const LAYOUT_OF_PRESET: Readonly<Record<Preset, WeightLayout>> = { torchvision: "torchvision", keras: "keras", paper: "native" };

/**
 * Loads or builds the net, exports it and writes the file.
 *
 * @throws OnnxExportError for a layer that cannot be exported; WeightsError or
 *   WeightsFileError for a safetensors file that does not fit the net; an Error saying the
 *   output is unchanged when writing fails.
 */
export async function exportCommand(options: ExportOptions): Promise<ExportResult> {
  if (tf.engine().backendNames().length === 0) await useBackend();
  await tf.ready();
  const { model, loaded } = options.net ? buildFromSafetensors(options, options.net) : { model: await loadModelJson(options.input), loaded: 0 };
  try {
    const preset = options.preset ?? options.net?.preset;
    const exported = await exportOnnx(model, {
      ...(options.inputLayout ? { inputLayout: options.inputLayout } : {}),
      ...(options.foldBatchNorm ? { foldBatchNorm: true } : {}),
      ...(options.opset ? { opset: options.opset } : {}),
      ...(options.name ? { name: options.name } : {}),
      ...(preset ? { preset } : {}),
      weights: options.weights ?? basename(options.input),
    });
    writeFileAtomically(options.output, exported.bytes, options.force ?? false);
    const { bytes, ...rest } = exported;
    return { ...rest, path: options.output, bytes: bytes.length, loaded };
  } finally {
    model.dispose();
  }
}

/** The net described by `net`, with the safetensors file's weights. */
function buildFromSafetensors(options: ExportOptions, net: NonNullable<ExportOptions["net"]>): { model: tfl.LayersModel; loaded: number } {
  const bytes = new Uint8Array(readFileSync(options.input));
  const preset = net.preset ?? options.preset ?? "paper";
  const layout = options.from ?? LAYOUT_OF_PRESET[preset];
  const tensors = decodeSafetensors(bytes).tensors;
  const classes =
    layout === "torchvision"
      ? tensors.find((t) => t.name === "fc.weight")?.shape[0]
      : tensors.find((t) => t.name === "predictions/kernel" || t.name === "predictions/kernel:0")?.shape[1];
  const model = resnet({ ...net, preset, ...(classes === undefined ? { includeTop: false } : { classes }) });
  try {
    return { model, loaded: loadSafetensors(model, bytes, { layout }).loaded };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** A TensorFlow.js Layers model from its model.json and the shards its manifest names, read from disk. */
async function loadModelJson(path: string): Promise<tfl.LayersModel> {
  registerZeroPadShortcut();
  registerGroupedConv2D();
  const json = JSON.parse(readFileSync(path, "utf8")) as tf.io.ModelJSON;
  if (json.format !== undefined && json.format !== "layers-model") {
    throw new TypeError(`${path} is a ${json.format} model; export reads TensorFlow.js Layers models (format "layers-model")`);
  }
  const manifest = json.weightsManifest ?? [];
  const shards = manifest.flatMap((group) => group.paths.map((p) => new Uint8Array(readFileSync(join(dirname(path), p)))));
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.length, 0));
  let offset = 0;
  for (const shard of shards) {
    weightData.set(shard, offset);
    offset += shard.length;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: manifest.flatMap((group) => group.weights),
    weightData: weightData.buffer,
  };
  return tfl.loadLayersModel({ load: async () => artifacts });
}

/**
 * Runs `resnet-blocks export` with parsed options and prints what it wrote to `out`.
 * Errors propagate to the caller (the CLI's `main`), which prints them.
 */
export async function runExportCommand(options: ExportOptions, out: { write(text: string): unknown }): Promise<void> {
  tf.enableProdMode(); // a command: no "install tfjs-node" banner on stderr
  const result = await exportCommand(options);
  const outputs = result.logits ? `${result.output} and ${result.logits}` : result.output;
  out.write(
    `wrote ${result.path} (${result.bytes} bytes): opset ${result.opset}, input ${result.input} [${result.inputShape.join(", ")}] ${result.inputLayout}, ` +
      `output ${outputs} [${result.outputShape.join(", ")}]${result.loaded ? `, ${result.loaded} weights loaded` : ""}\n`,
  );
}
