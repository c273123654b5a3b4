/**
 * `resnet-blocks/backends/cpu`: registers TensorFlow.js's plain-JavaScript CPU backend
 * (`@tensorflow/tfjs-backend-cpu`, an optional peer dependency) for `useBackend`.
 * Import it once, for its side effect, in the app's entry.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/cpu";
 * ```
 * @module
 */
import "@tensorflow/tfjs-backend-cpu";
import { registerBackendModule } from "../registry.js";

registerBackendModule({ name: "cpu", packageName: "@tensorflow/tfjs-backend-cpu" });
