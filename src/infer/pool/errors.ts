/**
 * The errors of the worker pool.
 *
 * @module
 */

/**
 * A pool worker failed: an error thrown in the worker (its name and message are in this
 * error's message, e.g. `pool worker 1 of 2: WeightsError: could not load ...`), or the
 * worker stopped unexpectedly (then {@link PoolWorkerError.exitCode} is set).
 *
 * @example
 * ```ts
 * try {
 *   await pool.predict(input, [8, 224, 224, 3]);
 * } catch (error) {
 *   if (error instanceof PoolWorkerError) console.error(`worker ${error.worker}: ${error.message}`);
 * }
 * ```
 */
export class PoolWorkerError extends Error {
  /** Index of the worker (0-based). */
  readonly worker: number;
  /** `name` of the error thrown in the worker (`Error`, `WeightsError`, ...); `null` when the worker stopped. */
  readonly remoteName: string | null;
  /** Stack of the error in the worker, when there is one. */
  readonly remoteStack: string | undefined;
  /** Exit code of a worker that stopped unexpectedly; `null` when the worker threw. */
  readonly exitCode: number | null;

  /** @param message The whole message. */
  constructor(
    message: string,
    details: { worker: number; remoteName?: string; remoteStack?: string; exitCode?: number },
  ) {
    super(message);
    this.name = "PoolWorkerError";
    this.worker = details.worker;
    this.remoteName = details.remoteName ?? null;
    this.remoteStack = details.remoteStack;
    this.exitCode = details.exitCode ?? null;
  }
}

/**
 * The pool is closed: `predict` throws it after `close()`, and `close()` rejects the requests
 * it cut short with it. When the pool closed itself (a crashed worker could not be
 * replaced), the message says why.
 *
 * @example
 * ```ts
 * const pending = pool.predict(input, [8, 224, 224, 3]);
 * await pool.close();
 * await pending.catch((error) => error instanceof PoolClosedError); // true
 * ```
 */
export class PoolClosedError extends Error {
  /** @param message The whole message. */
  constructor(message: string) {
    super(message);
    this.name = "PoolClosedError";
  }
}
