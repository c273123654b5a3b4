/**
 * `resnet-blocks/worker/serve` (inside a dedicated Web Worker): {@link serveModel}, the
 * worker's side of `createWorkerModel` from `resnet-blocks/worker`.
 *
 * @example
 * ```ts
 * // resnet.worker.ts
 * import "resnet-blocks/backends/wasm";
 * import { serveModel } from "resnet-blocks/worker/serve";
 * serveModel();
 * ```
 *
 * @module
 */
export { serveModel } from "./serveModel.js";
