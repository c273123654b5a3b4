/**
 * The errors of a {@link WorkerModel}.
 *
 * @module
 */

/**
 * The model's Web Worker failed: an error thrown in the worker (its name and message are in
 * this error's message, e.g. `resnet-blocks worker: WeightsError: ...`; the original name is
 * {@link WorkerModelError.remoteName}), a worker script that failed to load or threw outside
 * a request, or a start that took longer than `startTimeoutMs`.
 *
 * @example
 * ```ts
 * try {
 *   await model.predict(bitmap);
 * } catch (error) {
 *   if (error instanceof WorkerModelError) console.error(error.remoteName, error.message);
 * }
 * ```
 */
export class WorkerModelError extends Error {
  /** `name` of the error thrown in the worker (`Error`, `RangeError`, `WeightsError`, ...); `null` when none was thrown there. */
  readonly remoteName: string | null;
  /** Stack of the error in the worker, when there is one. */
  readonly remoteStack: string | undefined;

  /** @param message The whole message. */
  constructor(message: string, details: { remoteName?: string; remoteStack?: string } = {}) {
    super(message);
    this.name = "WorkerModelError";
    this.remoteName = details.remoteName ?? null;
    this.remoteStack = details.remoteStack;
  }
}

/**
 * The worker model is disposed: `predict` rejects with it after `dispose()`, and `dispose()`
 * rejects the calls it cut short with it. When the worker failed and was stopped, the message says why.
 *
 * @example
 * ```ts
 * const pending = model.predict(bitmap);
 * model.dispose();
 * await pending.catch((error) => error instanceof WorkerModelClosedError); // true
 * ```
 */
export class WorkerModelClosedError extends Error {
  /** @param message The whole message. */
  constructor(message: string) {
    super(message);
    this.name = "WorkerModelClosedError";
  }
}
