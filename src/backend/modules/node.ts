/**
 * `resnet-blocks/backends/node`: registers native TensorFlow through `@tensorflow/tfjs-node`
 * (an optional peer dependency) for `useBackend`. Node only. Optional:
 * `useBackend()` in Node loads an installed tfjs-node itself; import this to make the
 * dependency explicit, e.g. for a bundled server.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/node";
 * ```
 * @module
 */
import "@tensorflow/tfjs-node";
import { registerBackendModule } from "../registry.js";

registerBackendModule({ name: "tensorflow", packageName: "@tensorflow/tfjs-node" });
