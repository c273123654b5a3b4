/**
 * `resnet-blocks/worker` (browsers): a ResNet in a dedicated Web Worker, so that forward
 * passes never block the page; the browser counterpart of `resnet-blocks/pool`. This entry
 * is the main thread's side and loads no TensorFlow.js; the worker's module calls
 * `serveModel()` from `resnet-blocks/worker/serve`. See docs/inference.md.
 *
 * @example
 * ```ts
 * import { createWorkerModel } from "resnet-blocks/worker";
 * const worker = new Worker(new URL("./resnet.worker.ts", import.meta.url), { type: "module" });
 * const model = await createWorkerModel(worker, { model: { depth: 18, seed: 1 } });
 * const { data, shape } = await model.predict(new Float32Array(224 * 224 * 3), [1, 224, 224, 3]); // [1, 1000]
 * model.dispose();
 * ```
 *
 * @module
 */
export { createWorkerModel, type WorkerModel, type WorkerModelMemory, type WorkerOutput } from "./createWorkerModel.js";
export type { WorkerBatchShape, WorkerImage, WorkerModelOptions } from "./options.js";
export { WorkerModelClosedError, WorkerModelError } from "./errors.js";
