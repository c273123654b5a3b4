/**
 * `resnet-blocks/backends/node-gpu`: registers native TensorFlow with CUDA through
 * `@tensorflow/tfjs-node-gpu` (an optional peer dependency) for `useBackend`. Node
 * on Linux with CUDA only. Optional, like `resnet-blocks/backends/node`.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/node-gpu";
 * ```
 * @module
 */
import "@tensorflow/tfjs-node-gpu";
import { registerBackendModule } from "../registry.js";

registerBackendModule({ name: "tensorflow", packageName: "@tensorflow/tfjs-node-gpu" });
