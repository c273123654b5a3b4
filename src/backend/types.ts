/**
 * Types of {@link useBackend}: the backend names, the preference, the options and the report.
 *
 * @module
 */

/**
 * The TensorFlow.js backends `useBackend` knows:
 * - `'tensorflow'`: native TensorFlow through `@tensorflow/tfjs-node` or `-node-gpu` (Node only).
 * - `'webgpu'`: `@tensorflow/tfjs-backend-webgpu` (browsers with WebGPU).
 * - `'webgl'`: `@tensorflow/tfjs-backend-webgl` (browsers).
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm`, XNNPACK kernels, SIMD and threads where available.
 * - `'cpu'`: `@tensorflow/tfjs-backend-cpu`, plain JavaScript; slow, but runs anywhere.
 */
export type BackendName = "tensorflow" | "webgpu" | "webgl" | "wasm" | "cpu";

/**
 * What to try: `'auto'` (the fastest that works here, see {@link AUTO_ORDER}), one backend
 * name, or an ordered list of names tried until one starts.
 */
export type BackendPreference = "auto" | BackendName | readonly BackendName[];

/** Where the WASM binaries are: a folder URL ending in `/`, or one URL per binary. */
export type WasmPaths = string | Readonly<Record<WasmBinaryName, string>>;

/** The three binaries of `@tensorflow/tfjs-backend-wasm`; which one loads depends on SIMD and threads. */
export type WasmBinaryName =
  | "tfjs-backend-wasm.wasm"
  | "tfjs-backend-wasm-simd.wasm"
  | "tfjs-backend-wasm-threaded-simd.wasm";

/** Options of {@link useBackend}. They only take effect before the backend they concern first starts. */
export interface UseBackendOptions {
  /**
   * Where the browser fetches the WASM binaries from (passed to tfjs's `setWasmPaths` before
   * the WASM backend starts). Needed in bundled apps whose server does not serve the
   * `.wasm` files next to the script; see docs/backends.md for Vite and webpack. Not needed
   * in Node, where the binaries are read from the installed package.
   */
  wasmPaths?: WasmPaths;
  /**
   * Number of threads of the WASM backend (passed to tfjs's `setThreadsCount`). Threads run
   * only in a cross-origin-isolated page; default: tfjs's choice (the number of logical cores).
   */
  threads?: number;
  /**
   * Time limit, in milliseconds, for each backend's start (loading, initialising, the 1 + 2
   * check); default {@link DEFAULT_START_TIMEOUT_MS} (30 s). A backend that has not started by
   * then is given up: `'auto'` and lists record why in `tried` and try the next one; a single
   * name rejects with a `BackendError`. The given-up start is made obsolete in tfjs, so a
   * late finish does not switch backends behind the app's back.
   */
  startTimeout?: number;
}

/** The default of {@link UseBackendOptions.startTimeout}: 30 000 ms, room for a slow network fetching a WASM binary. */
export const DEFAULT_START_TIMEOUT_MS = 30_000;

/** One backend that `useBackend` tried. */
export interface BackendAttempt {
  /** The backend tried. */
  name: BackendName;
  /** Whether it started and computed a test sum correctly. */
  ok: boolean;
  /** Why it failed and how to fix it, or, when it started, what runs (e.g. "WASM SIMD, 2 threads"). */
  reason: string;
}

/** What {@link useBackend} readied, and why. */
export interface BackendReport {
  /** The backend now in use (`tf.getBackend()`). */
  name: BackendName;
  /** Whether the WASM backend runs its SIMD binary; `false` for every other backend. */
  simd: boolean;
  /**
   * CPU threads the kernels actually run on: the WASM thread pool's size as reported by
   * the running module, 1 for `'cpu'`, `null` where it cannot be counted (the GPU
   * backends, native TensorFlow, which sizes its own pool).
   */
  threads: number | null;
  /** Every backend tried, in order, the chosen one last. */
  tried: BackendAttempt[];
}
