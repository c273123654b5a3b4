/**
 * The options of `startWasmWithThreads` and their checks.
 *
 * @module
 */
import { checkOptionsObject, describeValue } from "../../util/check.js";

/**
 * Most threads tfjs-backend-wasm 4.22 runs: its C++ caps the XNNPACK thread pool at 8
 * (`max_num_threads`), the number of workers its Emscripten build starts beforehand.
 */
export const MAX_WASM_THREADS = 8;

/** Options of {@link startWasmWithThreads}. */
export interface WasmThreadsOptions {
  /**
   * Number of XNNPACK threads, the calling thread included: an integer from 1 to
   * {@link MAX_WASM_THREADS}. It is honoured even above the machine's core count (the
   * threads then share cores and run no faster).
   */
  threads: number;
}

/** Returns `options.threads` if the options are valid, else throws a TypeError or RangeError naming the argument. */
export function checkWasmThreadsOptions(options: unknown): number {
  checkOptionsObject("options", options);
  const { threads } = options as { threads?: unknown };
  const accepted = `an integer from 1 to ${MAX_WASM_THREADS} (tfjs-backend-wasm runs at most ${MAX_WASM_THREADS} XNNPACK threads)`;
  if (typeof threads !== "number") throw new TypeError(`threads must be ${accepted}; got ${describeValue(threads)}`);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new RangeError(`threads must be ${accepted}; got ${describeValue(threads)}`);
  }
  return threads;
}
