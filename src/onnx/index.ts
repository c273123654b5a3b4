/**
 * `resnet-blocks/onnx`: export any net the library builds to ONNX, for serving it with
 * onnxruntime (native CPU or CUDA, onnxruntime-node, onnxruntime-web) or NVIDIA Triton's
 * ONNX backend. The entry imports no TensorFlow.js module at run time (the model passed in
 * brings its own) and no file system: it returns the bytes, in Node and in browsers.
 *
 * The protobuf encoding is hand-written (`protobuf.ts`, `onnxProto.ts`: the seven messages
 * of onnx.proto a ResNet needs, about 300 lines) rather than protobufjs with ONNX's
 * schema: no dependency to declare or load in a browser bundle, and its output is checked
 * against protobufjs's reading of onnx.proto in the tests. See docs/onnx.md.
 *
 * @example
 * ```ts
 * import { resnet18 } from "resnet-blocks";
 * import { toOnnx } from "resnet-blocks/onnx";
 * const bytes = await toOnnx(resnet18(), { inputLayout: "NCHW", foldBatchNorm: true });
 * ```
 *
 * @module
 */
export { exportOnnx, toOnnx, ONNX_NAMES, type OnnxExport } from "./exportOnnx.js";
export { checkExportable, EXPORTABLE_ACTIVATIONS, EXPORTABLE_LAYERS, OnnxExportError } from "./exportable.js";
export {
  DEFAULT_ONNX_OPSET,
  ONNX_INPUT_LAYOUTS,
  ONNX_OPSET_RANGE,
  type OnnxInputLayout,
  type ToOnnxOptions,
} from "./options.js";
