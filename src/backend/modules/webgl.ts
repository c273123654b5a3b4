/**
 * `resnet-blocks/backends/webgl`: registers TensorFlow.js's WebGL backend
 * (`@tensorflow/tfjs-backend-webgl`, an optional peer dependency) for `useBackend`.
 * Browsers only. Import it once, for its side effect, in the app's entry.
 *
 * @example
 * ```ts
 * import "resnet-blocks/backends/webgl";
 * ```
 * @module
 */
import "@tensorflow/tfjs-backend-webgl";
import { registerBackendModule } from "../registry.js";

registerBackendModule({ name: "webgl", packageName: "@tensorflow/tfjs-backend-webgl" });
